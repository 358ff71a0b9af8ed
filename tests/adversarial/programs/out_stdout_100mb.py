# group: output
# request: {"timeout": 20}
# expect: {"stdout_truncated": true, "exit_code": 0, "stdout_len": 1048576}
# 100 MB to stdout: kept up to the cap, the rest drained, the job finishes.
import sys
chunk = "y" * (1 << 20)
for _ in range(100):
    sys.stdout.write(chunk)
