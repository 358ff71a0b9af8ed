# group: filesystem
# concurrent: fs_shared_inode_locks_b
# expect: {"stdout_has": "SAFE"}
# Locks on inodes every sandbox shares (the host's /usr, /etc binds and
# device nodes) were seen and held across sandboxes: a job holding an
# exclusive flock on os.py or /dev/null blocked every other tenant's lock of
# it, and its POSIX read locks showed in theirs (F_GETLK). This job locks
# them all and holds them; fs_shared_inode_locks_b, beside it, must find none.
import fcntl, os, struct, time
PATHS = ["/usr/lib/python3.11/os.py", "/usr/lib/python3.11", "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/share/zoneinfo/UTC", "/etc/ld.so.cache", "/etc/alternatives", "/etc/matplotlib/matplotlibrc",
         "/etc/passwd", "/dev/null", "/dev/zero", "/dev/urandom", "/proc/kallsyms", "/"]
held = []
for p in PATHS:
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError as e:
        print(f"SAFE: cannot open {p}: {e.strerror}")
        continue
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fd2 = os.open(p, os.O_RDONLY)
        if not os.path.isdir(p):
            fcntl.fcntl(fd2, 37, struct.pack("hhqqi", fcntl.F_RDLCK, 0, 0, 0, 0))   # F_OFD_SETLK
            held.append(fd2)
        held.append(fd)
    except OSError as e:
        print(f"SAFE: lock {p} refused: {e.strerror}")
print(f"SAFE: holding {len(held)} locks")
time.sleep(6)
