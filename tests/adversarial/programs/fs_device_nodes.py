# group: filesystem
# expect: {"stdout_has": "SAFE"}
# Only null, zero, full, random and urandom exist; no new device can be made.
import os, stat
devs = sorted(d for d in os.listdir("/dev") if stat.S_ISCHR(os.stat("/dev/" + d).st_mode))
print("SAFE: devices", devs if devs == ["full", "null", "random", "urandom", "zero"] else "") if devs == [
    "full", "null", "random", "urandom", "zero"] else print("LEAK: devices", devs)
for name, dev in (("/dev/sda", os.makedev(8, 0)), ("/dev/mem", os.makedev(1, 1)), ("/dev/kmsg", os.makedev(1, 11))):
    try:
        os.mknod(name, 0o600 | stat.S_IFCHR, dev)
        print("LEAK: made", name)
    except OSError as e:
        print(f"SAFE: mknod {name}: {e.strerror}")
with open("/dev/null", "w") as f:
    f.write("still usable")
print("SAFE: /dev/null writable")
