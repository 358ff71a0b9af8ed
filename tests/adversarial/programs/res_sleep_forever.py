# group: resources
# request: {"timeout": 1.5}
# expect: {"timed_out": true, "exit_code": -1, "min_ms": 1400, "max_ms": 3000}
import time
time.sleep(10 ** 6)
