# group: privilege
# expect: {"stdout_has": "SAFE", "exit_code": 0}
# Kills its parent (the sandbox init) and pid 1: init cannot be killed from inside.
import os, signal, time
print("ppid", os.getppid())
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
    try:
        os.kill(1, sig)
    except OSError as e:
        print("kill error", e)
time.sleep(0.3)
print("SAFE: still running, init alive" if os.path.exists("/proc/1") else "LEAK: init gone")
