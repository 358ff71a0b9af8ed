# group: output
# request: {"timeout": 2}
# expect: {"timed_out": true, "stderr_truncated": true}
import sys
while True:
    sys.stderr.write("e" * 65536)
