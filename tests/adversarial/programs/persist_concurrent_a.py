# group: persistence
# request: {"timeout": 6}
# concurrent: persist_state_b
# expect: {"stdout_has": "SAFE"}
# Listens and shares while a second job runs beside it (the test runs
# persist_state_b concurrently, which must see none of this).
import ctypes, socket, time
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget(0x5eed, 4096, 0o1666)
u = socket.socket(socket.AF_UNIX)
u.bind("\0execq-persist")
u.listen()
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", 5555))
t.listen()
print("SAFE: listening", flush=True)
time.sleep(3)
