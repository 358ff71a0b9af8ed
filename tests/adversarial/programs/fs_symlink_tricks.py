# group: filesystem
# expect: {"stdout_has": "SAFE"}
# Paths through /proc/*/root and planted symlinks lead nowhere new.
import os
for p in ("/proc/self/root/etc/shadow", "/proc/1/root/etc/shadow", "/proc/self/cwd/../../etc/shadow",
          "/dev/fd/../../../etc/shadow"):
    try:
        open(p).read()
        print("LEAK: read", p)
    except OSError as e:
        print(f"SAFE: {p}: {e.strerror}")
for src, dst in (("/etc/shadow", "/tmp/s"), ("/", "/usr/x")):
    try:
        os.symlink(src, dst)
        print("LEAK: planted", dst)
    except OSError as e:
        print(f"SAFE: symlink {dst}: {e.strerror}")
