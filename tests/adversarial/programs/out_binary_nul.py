# group: output
# expect: {"exit_code": 0, "stdout_bytes": "all256x4"}
# Every byte value, NUL included: returned exactly (base64 beside the text).
import sys
sys.stdout.buffer.write(bytes(range(256)) * 4)
