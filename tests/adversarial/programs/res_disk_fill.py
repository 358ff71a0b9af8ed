# group: resources
# expect: {"stdout_has": "SAFE"}
# Tries to fill a disk anywhere it might write.
import os
for d in ("/", "/tmp", "/var/tmp", "/dev/shm", "/usr", "/proc", "/dev", "/etc"):
    try:
        with open(os.path.join(d, "fill"), "wb") as f:
            f.write(b"x" * (1 << 20))
        print("LEAK: wrote in", d)
    except OSError as e:
        print(f"SAFE: {d}: {e.strerror}")
