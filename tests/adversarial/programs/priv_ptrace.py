# group: privilege
# expect: {"stdout_has": "SAFE: init mem", "lines_safe": 5}
# ptrace and its cousins are refused; pid 1's memory stays closed even read
# through /proc at an address that is really mapped (offset 0 never is, so a
# read there fails whatever the policy and proves nothing).
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


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def first_mapped(pid):
    """A readable address really mapped in pid, from our own maps if pid's
    are closed (the libraries sit at the same place in a fork)."""
    for src in (pid, "self"):
        try:
            for line in open(f"/proc/{src}/maps"):
                if line.split()[1].startswith("r"):
                    return int(line.split("-")[0], 16)
        except OSError:
            continue
    raise SystemExit("no mapping found")


buf = ctypes.create_string_buffer(16)
local, remote = iovec(ctypes.addressof(buf), 16), iovec(first_mapped(1), 16)
r = libc.process_vm_readv(1, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
print(f"SAFE: process_vm_readv init: {os.strerror(ctypes.get_errno())}" if r < 0 else "LEAK: process_vm_readv init")
for name, pid in (("init", 1), ("child", child)):
    addr = first_mapped(pid)
    try:
        with open(f"/proc/{pid}/mem", "rb") as m:
            m.seek(addr)
            got = m.read(16)
        # The job's own child, same uid: the kernel lets a process read it,
        # as on any Linux host; only init (another uid) must stay closed.
        print(f"LEAK: read {name} mem at {addr:#x}" if name == "init" else f"INFO: {name} mem readable")
    except OSError as e:
        print(f"SAFE: {name} mem at {addr:#x}: {e.strerror}")
os.kill(child, 9)
