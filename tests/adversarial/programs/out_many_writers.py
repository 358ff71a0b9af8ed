# group: output
# request: {"timeout": 10}
# expect: {"stdout_truncated": true, "exit_code": 0}
# Sixteen processes flood stdout at once; the parent waits for them.
import os, sys
pids = []
for i in range(16):
    pid = os.fork()
    if pid == 0:
        os.write(1, (str(i) * 1024 + "\n").encode() * 200)
        os._exit(0)
    pids.append(pid)
for p in pids:
    os.waitpid(p, 0)
