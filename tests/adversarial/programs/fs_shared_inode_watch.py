# group: filesystem
# expect: {"stdout_has": "SAFE", "lines_safe": 4}
# fcntl(F_NOTIFY) on a directory every sandbox and the host share (/usr,
# bound from the host) told a job of every file other tenants' jobs and the
# host opened there: 585 reads in 3 s. Leases are the same family. Only the
# fcntl commands Python needs are allowed.
import errno, fcntl, os, signal, time
F_NOTIFY, F_SETLEASE, F_GETLEASE = 1026, 1024, 1025
DN_ACCESS, DN_MULTISHOT = 0x1, 0x80000000
seen = []
signal.signal(signal.SIGRTMIN, lambda *a: seen.append(1))
for d in ("/usr/lib/python3.11", "/usr/lib/x86_64-linux-gnu", "/etc"):
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.fcntl(fd, 10, int(signal.SIGRTMIN))   # F_SETSIG
    except OSError:
        pass
    try:
        fcntl.fcntl(fd, F_NOTIFY, DN_ACCESS | DN_MULTISHOT)
        print(f"LEAK: F_NOTIFY on {d} accepted")
    except OSError as e:
        print(f"SAFE: F_NOTIFY on {d}: {errno.errorcode[e.errno]}")
for f in ("/usr/lib/python3.11/os.py",):
    fd = os.open(f, os.O_RDONLY)
    try:
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_RDLCK)
        print(f"LEAK: lease on {f}")
    except OSError as e:
        print(f"SAFE: F_SETLEASE on {f}: {errno.errorcode[e.errno]}")
time.sleep(1)
print(("SAFE" if not seen else "LEAK") + f": {len(seen)} notifications of others' reads")
