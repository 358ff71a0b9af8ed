# group: resources
# expect: {"stdout_has": "SAFE", "lines_safe": 8}
# Host-wide kernel budgets one job could drain for every process on the host
# (docs/security.md, "Host-wide budgets"). Before the allow-list a job took
# 32,768 of the host's 65,536 AIO contexts (fs.aio-nr) in 0.3 s.
import ctypes, errno, os, resource
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def refused(name, nr, *args):
    r = libc.syscall(ctypes.c_long(nr), *args)
    e = ctypes.get_errno()
    print((f"SAFE: {name}: {errno.errorcode.get(e)}") if r == -1 and e in (errno.EPERM, errno.ENOSYS)
          else f"LEAK: {name} answered {r} {errno.errorcode.get(e)}")

ctx = ctypes.c_ulong(0)
refused("io_setup (fs.aio-nr)", 206, ctypes.c_long(1), ctypes.byref(ctx))
refused("inotify_init1 (max_user_instances, charged to root)", 294, ctypes.c_long(0))
refused("fanotify_init", 300, ctypes.c_long(0), ctypes.c_long(0))
refused("shmget (SysV shared memory)", 29, ctypes.c_long(0), ctypes.c_long(1 << 20), ctypes.c_long(0o1600))
refused("msgget (SysV queues)", 68, ctypes.c_long(0), ctypes.c_long(0o1600))
refused("mq_open (POSIX queues)", 240, b"/q", ctypes.c_long(0o100 | 2), ctypes.c_long(0o600), None)
refused("add_key (kernel keys)", 248, b"user", b"k", b"v", ctypes.c_long(1), ctypes.c_long(-3))
# File handles: RLIMIT_NOFILE per process, RLIMIT_NPROC processes.
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
print(("SAFE" if len(fds) <= 256 and hard <= 256 else "LEAK") + f": file descriptors {len(fds)} (hard limit {hard})")
