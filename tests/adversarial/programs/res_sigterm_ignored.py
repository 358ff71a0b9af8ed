# group: resources
# request: {"timeout": 2}
# expect: {"timed_out": true, "max_ms": 3500}
# Ignores SIGTERM and SIGINT: the kill is SIGKILL, which cannot be ignored.
import signal, time
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
print("ignoring", flush=True)
while True:
    time.sleep(0.1)
