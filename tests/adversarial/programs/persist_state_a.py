# group: persistence
# expect: {"stdout_has": "SAFE"}
# Leaves what it can for the next job: SysV shared memory, a message queue, a daemon.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
shm = libc.shmget(0x5eed, 4096, 0o1666)   # IPC_CREAT | 0666
mq = libc.msgget(0x5eed, 0o1666)
print(f"SAFE: created shm={shm} mq={mq} in its own IPC namespace")
