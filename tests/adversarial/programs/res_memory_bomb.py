# group: resources
# request: {"timeout": 10, "memory_mb": 64}
# expect: {"memory_exceeded": true, "exit_code": -9}
# Allocates (and touches) memory without end: the memory cgroup kills it.
chunks = []
while True:
    chunks.append(bytearray(8 << 20))
