# group: privilege
# expect: {"stdout_has": "SAFE"}
# A 32-bit syscall (int 0x80) dodges an x86_64 deny-list unless the filter
# kills foreign ABIs: it must die by SIGSYS.
import ctypes, mmap, os
code = bytes([0xb8, 0x14, 0, 0, 0,   # mov eax, 20 (i386 getpid)
              0xcd, 0x80,             # int 0x80
              0xc3])                  # ret
pid = os.fork()
if pid == 0:
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.write(code)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
    os._exit(0)
_, st = os.waitpid(pid, 0)
print("SAFE: killed by SIGSYS" if os.WIFSIGNALED(st) and os.WTERMSIG(st) == 31 else f"LEAK: status {st}")
