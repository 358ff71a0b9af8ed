# group: privilege
# expect: {"stdout_has": "SAFE", "exit_code": 0}
# kill(-1, SIGKILL) reaches only this job's processes; the host's survive (the test checks them).
import os, signal, time
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    kids.append(pid)
os.kill(-1, signal.SIGKILL)
time.sleep(0.2)
dead = [os.waitpid(k, 0)[1] & 0x7f == 9 for k in kids]
print("SAFE: kill -1 hit only the sandbox" if all(dead) else f"LEAK? kids {dead}")
