# group: resources
# expect: {"stdout_has": "SAFE", "lines_safe": 6}
# Queued signals and POSIX timers are counted against one host-wide budget:
# that of root, who made every sandbox's user namespace (RLIMIT_SIGPENDING,
# 96,367 here). Before: one job queued 96k blocked real-time signals and held
# them, and every other warm job's kill timer then failed to be created (exit
# 126, charged); root on the host could queue no signal either. Now each job
# has a small RLIMIT_SIGPENDING of its own (and RLIMIT_MSGQUEUE 0).
import ctypes, errno, os, resource, signal
libc = ctypes.CDLL(None, use_errno=True)
soft, hard = resource.getrlimit(resource.RLIMIT_SIGPENDING)
print(("SAFE" if hard <= 1024 else "LEAK") + f": RLIMIT_SIGPENDING {soft}/{hard}")
mq = resource.getrlimit(resource.RLIMIT_MSGQUEUE)
print(("SAFE" if mq[1] == 0 else "LEAK") + f": RLIMIT_MSGQUEUE {mq}")
# The other rlimits the kernel counts per user namespace chain (ucounts).
nproc = resource.getrlimit(resource.RLIMIT_NPROC)
print(("SAFE" if 0 < nproc[1] <= 1024 else "LEAK") + f": RLIMIT_NPROC {nproc}")
memlock = resource.getrlimit(resource.RLIMIT_MEMLOCK)
print(("SAFE" if memlock[1] == 0 else "LEAK") + f": RLIMIT_MEMLOCK {memlock}")
try:
    resource.setrlimit(resource.RLIMIT_SIGPENDING, (1 << 20, 1 << 20))
    print("LEAK: raised RLIMIT_SIGPENDING")
except (ValueError, OSError):
    pass
class SigEvent(ctypes.Structure):
    _fields_ = [("value", ctypes.c_void_p), ("signo", ctypes.c_int), ("notify", ctypes.c_int),
                ("pad", ctypes.c_byte * 48)]

timers = 0
ev = SigEvent(None, int(signal.SIGRTMIN + 1), 0)
tid = ctypes.c_void_p()
while timers < 200000 and libc.timer_create(1, ctypes.byref(ev), ctypes.byref(tid)) == 0:
    timers += 1
made = timers
while timers > 0:
    timers -= 1
libc.syscall(226, 0)   # (timer ids are small ints; the process's exit frees them all)
timers = made
print(("SAFE" if timers <= 1024 else "LEAK") + f": created {timers} POSIX timers "
      f"({errno.errorcode.get(ctypes.get_errno())})")

sig = signal.SIGRTMIN
signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
queued = 0
pid = os.getpid()
while queued < 200000:
    try:
        signal.sigqueue(pid, sig, queued) if hasattr(signal, "sigqueue") else None
    except OSError:
        break
    if not hasattr(signal, "sigqueue"):
        class SigVal(ctypes.Union):
            _fields_ = [("i", ctypes.c_int), ("p", ctypes.c_void_p)]
        if libc.sigqueue(pid, int(sig), SigVal(queued)) != 0:
            break
    queued += 1
print(("SAFE" if queued <= 1024 else "LEAK") + f": queued {queued} blocked real-time signals")


