# group: filesystem
# expect: {"stdout_has": "SAFE"}
# mount, umount and remount-rw through libc: refused.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
attempts = [("tmpfs", b"tmpfs", b"/usr", b"tmpfs", 0), ("remount rw", None, b"/", None, MS_REMOUNT),
            ("bind", b"/proc", b"/usr", None, MS_BIND)]
for what, src, dst, fs, flags in attempts:
    r = libc.mount(src, dst, fs, flags, None)
    print(f"SAFE: {what}: {os.strerror(ctypes.get_errno())}" if r != 0 else f"LEAK: {what}")
r = libc.umount2(b"/proc", 2)
print(f"SAFE: umount: {os.strerror(ctypes.get_errno())}" if r != 0 else "LEAK: umount")
