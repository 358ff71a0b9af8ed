# group: filesystem
# expect: {"stdout_has": "SAFE", "lines_safe": 12}
# Tries to create, overwrite or delete files in every corner of the root.
import os
targets = ["/pwned", "/tmp/pwned", "/usr/pwned", "/usr/bin/python3", "/etc/passwd", "/etc/pwned",
           "/dev/pwned", "/proc/pwned", "/root/pwned", "/home/pwned", "/var/tmp/pwned", "/run/pwned"]
for t in targets:
    try:
        with open(t, "a") as f:
            f.write("x")
        print("LEAK: wrote", t)
    except OSError as e:
        print(f"SAFE: {t}: {e.strerror}")
for t in ("/usr/bin/python3", "/etc/passwd"):
    try:
        os.unlink(t)
        print("LEAK: unlinked", t)
    except OSError:
        pass
