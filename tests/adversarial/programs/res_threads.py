# group: resources
# request: {"timeout": 10}
# expect: {"stdout_has": "SAFE"}
# Starts threads until refused: threads count against pids.max.
import threading, time
n = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        n += 1
except RuntimeError as e:
    print(f"SAFE: thread {n + 1} refused: {e}", flush=True)
if n > 64:
    print("LEAK: too many threads", n)
import os; os._exit(0)
