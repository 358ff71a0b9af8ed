# group: persistence
# expect: {"stdout_has": "SAFE", "exit_code": 0}
# A daemon: double fork, new session, ignore SIGHUP, keep running. It must
# die with the job (the test then looks for it on the host).
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        for fd in (0, 1, 2):
            os.close(fd)
        while True:
            time.sleep(0.5)
    os._exit(0)
time.sleep(0.2)
print("SAFE: parent leaving a daemon behind")
