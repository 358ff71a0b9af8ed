# group: privilege
# expect: {"stdout_has": "SAFE", "lines_safe": 4}
# A nested user namespace would hand back every capability: unshare, clone and setns refused.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000
for name, flags in (("unshare user", CLONE_NEWUSER), ("unshare mount", CLONE_NEWNS)):
    r = libc.unshare(flags)
    print(f"SAFE: {name}: {os.strerror(ctypes.get_errno())}" if r == -1 else f"LEAK: {name}")
r = libc.syscall(56, CLONE_NEWUSER | 17, 0, 0, 0, 0)   # clone(CLONE_NEWUSER|SIGCHLD)
if r == 0:
    os._exit(0)
print(f"SAFE: clone newuser: {os.strerror(ctypes.get_errno())}" if r == -1 else "LEAK: clone newuser")
fd = os.open("/proc/self/ns/net", os.O_RDONLY)
r = libc.setns(fd, 0)
print(f"SAFE: setns: {os.strerror(ctypes.get_errno())}" if r == -1 else "LEAK: setns")
