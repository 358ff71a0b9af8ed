# group: privilege
# expect: {"stdout_has": "SAFE", "lines_safe": 5}
# Kernel surfaces with many local exploits: bpf, perf, io_uring, userfaultfd, open_by_handle_at.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(256)
for name, nr, args in (("bpf", 321, (0, buf, 48)), ("perf_event_open", 298, (buf, 0, -1, -1, 0)),
                       ("io_uring_setup", 425, (8, buf)), ("userfaultfd", 323, (0,)),
                       ("open_by_handle_at", 304, (-100, buf, 0))):
    r = libc.syscall(nr, *args)
    print(f"SAFE: {name}: {os.strerror(ctypes.get_errno())}" if r == -1 else f"LEAK: {name} = {r}")
