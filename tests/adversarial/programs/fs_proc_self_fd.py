# group: filesystem
# expect: {"stdout_has": "SAFE"}
# The executor's descriptors (Kafka sockets, other jobs' pipes) must not be here.
import os
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
extra = []
for f in fds:
    try:
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
