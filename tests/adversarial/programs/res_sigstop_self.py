# group: resources
# request: {"timeout": 2}
# expect: {"timed_out": true, "max_ms": 3500}
# Stops itself: a stopped process still dies at the timeout.
import os, signal
print("stopping", flush=True)
os.kill(os.getpid(), signal.SIGSTOP)
print("LEAK: resumed")
