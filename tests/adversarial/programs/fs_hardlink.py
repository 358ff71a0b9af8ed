# group: filesystem
# expect: {"stdout_has": "SAFE"}
import os
for src, dst in (("/usr/bin/python3", "/py"), ("/etc/passwd", "/usr/p"), ("/dev/null", "/dev/n2")):
    try:
        os.link(src, dst)
        print("LEAK: linked", dst)
    except OSError as e:
        print(f"SAFE: link {dst}: {e.strerror}")
