# group: filesystem
# expect: {"stdout_has": "SAFE"}
# The root holds only what Python needs; no host directory is visible.
import os
top = sorted(os.listdir("/"))
want = ["bin", "dev", "etc", "lib", "lib64", "proc", "sbin", "usr"]
print("SAFE: root is", top) if top == want else print("LEAK: root has", top)
for p in ("/home", "/root", "/work", "/tmp", "/var", "/sys", "/run", "/boot", "/mnt", "/opt"):
    print(f"LEAK: {p} exists" if os.path.exists(p) else f"SAFE: no {p}")
mounts = open("/proc/self/mounts").read()
print("LEAK: host paths in mounts" if "/work" in mounts or "/run/execq" in mounts else "SAFE: mounts clean")
