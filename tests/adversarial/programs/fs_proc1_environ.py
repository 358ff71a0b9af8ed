# group: filesystem
# expect: {"stdout_has": "SAFE"}
# pid 1 is a copy of the executor: its environment, memory and argv must stay closed.
import os
for p in ("/proc/1/environ", "/proc/1/mem", "/proc/1/maps", "/proc/1/fd/0", "/proc/1/root/"):
    try:
        if p.endswith("/"):
            os.listdir(p)
        else:
            with open(p, "rb") as f:
                f.read(64)
        print("LEAK: read", p)
    except OSError as e:
        print(f"SAFE: {p}: {e.strerror}")
cmd = open("/proc/1/cmdline", "rb").read()
print("SAFE: init cmdline wiped" if not cmd.strip(b"\0") else f"LEAK: cmdline {cmd!r}")
leaked = [k for k in os.environ if k.startswith(("EXECQ", "KAFKA"))]
print("SAFE: own env clean" if not leaked else f"LEAK: env {leaked}")
