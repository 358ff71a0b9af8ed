# group: filesystem
# expect: {"stdout_has": "SAFE"}
# Runs beside fs_shared_inode_locks_a (which holds locks on every shared
# path): sees none of them. Alone, it passes too.
import errno, fcntl, os, struct, time
time.sleep(0.5)
PATHS = ["/usr/lib/python3.11/os.py", "/usr/lib/python3.11", "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/share/zoneinfo/UTC", "/etc/ld.so.cache", "/etc/alternatives", "/etc/matplotlib/matplotlibrc",
         "/etc/passwd", "/dev/null", "/dev/zero", "/dev/urandom", "/proc/kallsyms", "/"]
for p in PATHS:
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError:
        continue
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            print(f"LEAK: {p} is flocked by another sandbox")
    if not os.path.isdir(p):
        try:
            r = fcntl.fcntl(fd, 36, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))   # F_OFD_GETLK
            if struct.unpack("hhqqi", r)[0] != fcntl.F_UNLCK:
                print(f"LEAK: {p} holds another sandbox's read lock")
        except OSError:
            pass
    os.close(fd)
print("SAFE: no lock of another sandbox seen")
