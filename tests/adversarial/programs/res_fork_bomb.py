# group: resources
# request: {"timeout": 5}
# expect: {"stdout_has": "SAFE"}
# A fork bomb: children fork too. The pids cgroup (and RLIMIT_NPROC) stop it.
import os, time
n = 0
try:
    while True:
        pid = os.fork()
        if pid == 0:
            try:
                while True:
                    os.fork()
            except OSError:
                time.sleep(30)
            os._exit(0)
        n += 1
except OSError as e:
    print(f"SAFE: fork refused after {n} children: {e.strerror}", flush=True)
print("LEAK" if n > 64 else "", flush=True)
