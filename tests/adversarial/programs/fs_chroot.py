# group: filesystem
# expect: {"stdout_has": "SAFE"}
# The classic chroot escape needs chroot: refused.
import os
try:
    os.chroot("/usr")
    for _ in range(20):
        os.chdir("..")
    os.chroot(".")
    print("LEAK: chroot", os.listdir("/"))
except OSError as e:
    print(f"SAFE: chroot: {e.strerror}")
