# group: filesystem
# request: {"scratch_mb": 32}
# expect: {"stdout_has": "SAFE", "lines_safe": 2}
# /tmp is noexec, but memfd_create plus execveat ran a binary written at run
# time all the same (here a copy of the interpreter, printing RAN). The
# kernel's per-PID-namespace vm.memfd_noexec cannot be set from inside a
# sandbox, so memfd_create is refused; nothing else anonymous can be exec'd.
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
MFD_EXEC = 0x10
fd = libc.memfd_create(b"x", MFD_EXEC)
print((f"LEAK: memfd with MFD_EXEC made" if fd >= 0 else
       f"SAFE: memfd_create(MFD_EXEC): {errno.errorcode.get(ctypes.get_errno())}"))
fd = libc.memfd_create(b"x", 0)
if fd < 0:
    print(f"SAFE: memfd_create: {errno.errorcode.get(ctypes.get_errno())}")
else:
    with open("/usr/bin/python3.11", "rb") as src:
        data = src.read()
    os.write(fd, data)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        argv = (ctypes.c_char_p * 4)(b"python3", b"-c", b"print('RAN')", None)
        libc.syscall(322, fd, b"", argv, None, 0x1000)   # execveat(fd, "", AT_EMPTY_PATH)
        os._exit(100 + ctypes.get_errno())
    os.close(w)
    out = os.read(r, 100)
    _, st = os.waitpid(pid, 0)
    print(("LEAK: a memfd binary ran" if b"RAN" in out else
           f"SAFE: exec of a memfd refused ({errno.errorcode.get(os.waitstatus_to_exitcode(st) - 100)})"))
