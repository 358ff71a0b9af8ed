# group: resources
# expect: {"stdout_has": "SAFE"}
# Opens files until refused: RLIMIT_NOFILE is 256.
import os
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print(f"SAFE: open {len(fds) + 1} refused: {e.strerror}")
if len(fds) > 256:
    print("LEAK: more than 256 fds")
