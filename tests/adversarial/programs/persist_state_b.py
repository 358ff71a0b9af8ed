# group: persistence
# expect: {"stdout_has": "SAFE", "lines_safe": 2}
# Runs after persist_state_a (and beside persist_concurrent_a): finds nothing of it.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.shmget(0x5eed, 0, 0)
print("LEAK: found shm" if r >= 0 else f"SAFE: no shm: {os.strerror(ctypes.get_errno())}")
r = libc.msgget(0x5eed, 0)
print("LEAK: found mq" if r >= 0 else f"SAFE: no mq: {os.strerror(ctypes.get_errno())}")
import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect("\0execq-persist")
    print("LEAK: reached another job's socket")
except OSError:
    print("SAFE: no abstract socket of another job")
try:
    socket.create_connection(("127.0.0.1", 5555), timeout=0.5)
    print("LEAK: reached another job's port")
except OSError:
    print("SAFE: no listener of another job")
