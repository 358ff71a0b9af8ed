# group: filesystem
# expect: {"stdout_has": "SAFE"}
# The executor's descriptors (Kafka sockets, other jobs' pipes) must not be here:
# only stdio, and fd 9, the job's own display pipe (figures), write-only; in a
# session (the harness says so on stdin) also fd 3, its control socket, the
# one way its execs come in.
import fcntl, os, socket, sys
session = sys.stdin.read() == "in a session"
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
extra = []
for f in fds:
    try:
        if f == 9 and os.readlink("/proc/self/fd/9").startswith("pipe:") and \
                fcntl.fcntl(9, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
            continue
        if f == 3 and session and socket.socket(fileno=os.dup(3)).family == socket.AF_UNIX:
            continue
        if f > 2:
            extra.append((f, os.readlink(f"/proc/self/fd/{f}")))
    except OSError:
        pass   # the listing's own descriptor, closed by now
print("SAFE: only stdio" if not extra else f"LEAK: fds {extra}")
for f in range(3, 1024):
    try:
        os.fstat(f)
        if f not in fds:
            print("LEAK: hidden fd", f)
    except OSError:
        pass
