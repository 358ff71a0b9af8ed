# group: privilege
# expect: {"stdout_has": "SAFE", "lines_safe": 3}
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
SYS_add_key, SYS_request_key, SYS_keyctl = 248, 249, 250
for name, nr, args in (("add_key", SYS_add_key, (b"user", b"k", b"v", 1, -3)),
                       ("request_key", SYS_request_key, (b"user", b"k", None, -3)),
                       ("keyctl", SYS_keyctl, (0, -3))):
    r = libc.syscall(nr, *args)
    print(f"SAFE: {name}: {os.strerror(ctypes.get_errno())}" if r == -1 else f"LEAK: {name}")
