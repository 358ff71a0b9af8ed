# group: privilege
# expect: {"stdout_has": "SAFE"}
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
PTRACE_TRACEME, PTRACE_ATTACH = 0, 16
child = os.fork()
if child == 0:
    import time; time.sleep(5); os._exit(0)
for what, req, pid in (("attach init", PTRACE_ATTACH, 1), ("attach child", PTRACE_ATTACH, child),
                       ("traceme", PTRACE_TRACEME, 0)):
    r = libc.ptrace(req, pid, None, None)
    print(f"SAFE: {what}: {os.strerror(ctypes.get_errno())}" if r == -1 else f"LEAK: {what}")
try:
    open(f"/proc/{child}/mem", "rb").read(1)
    print("LEAK: read child mem")
except OSError as e:
    print(f"SAFE: child mem: {e.strerror}")
os.kill(child, 9)
