# group: resources
# request: {"timeout": 3}
# expect: {"timed_out": true, "cpu_at_most_wall": 1.3}
# Eight processes spin: the CPU limit (one CPU) holds them, the timeout ends them.
import os
for _ in range(8):
    if os.fork() == 0:
        while True:
            pass
while True:
    pass
