# group: resources
# request: {"memory_mb": 64}
# expect: {"exit_code": 0, "memory_exceeded": false, "stdout_has": "SAFE"}
# memory_exceeded turned true for an OOM kill of any process of the job, so
# a job whose child was killed could label its own exit-0 run. Only the
# job's own death by the memory limit counts now.
import os
pid = os.fork()
if pid == 0:
    blocks = []
    while True:
        blocks.append(bytearray(8 << 20))
_, st = os.waitpid(pid, 0)
print("SAFE: the child died by", os.waitstatus_to_exitcode(st), "and the job goes on to exit 0")
