# group: filesystem
# expect: {"stdout_has": "SAFE"}
import os
for what, fn in (("chmod", lambda: os.chmod("/usr/bin/python3", 0o4777)),
                 ("chown", lambda: os.chown("/etc/passwd", 1000, 1000)),
                 ("setxattr", lambda: os.setxattr("/usr/bin/python3", "user.x", b"1")),
                 ("utime", lambda: os.utime("/etc/hosts", (0, 0))),
                 ("rename", lambda: os.rename("/etc/hosts", "/etc/h2"))):
    try:
        fn()
        print("LEAK:", what)
    except OSError as e:
        print(f"SAFE: {what}: {e.strerror}")
