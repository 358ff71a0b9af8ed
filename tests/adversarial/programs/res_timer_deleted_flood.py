# group: resources
# request: {"timeout": 2}
# expect: {"timed_out": true, "stdout_truncated": true, "max_ms": 6000}
# A warm job's kill timer is its own to delete (timer id 0, made before the
# job arrived); deleting it must not let the job outlive its timeout: the
# executor's deadline kills the whole sandbox. Meanwhile the job floods its
# stdout with tee(2), which moves pipe pages through the kernel without a
# copy, as fast as the executor drains them.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall(226, 0)   # timer_delete(0); fresh mode has no such timer (EINVAL)
r, w = os.pipe()
os.write(w, b"x" * 65536)
while True:
    if libc.tee(r, 1, 65536, 0) <= 0:
        os.write(1, b"y" * 4096)
