# group: output
# expect: {"exit_code": 0}
# Closes its output and keeps going: the executor must not wait on it.
import os, time
os.close(1)
os.close(2)
time.sleep(0.2)
