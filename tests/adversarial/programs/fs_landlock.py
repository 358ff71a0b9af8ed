# group: filesystem
# expect: {"stdout_has": "SAFE", "lines_safe": 2}
# Landlock is the second wall behind the mount table: a job may execute only
# the interpreter (sys.executable), whatever else the read-only mounts would
# let it exec, and reads only what the sandbox's rules list. Before it, the
# C library itself ran as a program (it has an entry point).
import os, subprocess, sys
try:
    out = subprocess.run(["/usr/lib/x86_64-linux-gnu/libc.so.6"], capture_output=True, timeout=10)
    print(("LEAK: libc.so.6 ran: " + out.stdout[:40].decode(errors="replace")) if out.stdout else
          f"SAFE: libc.so.6 gave nothing ({out.returncode})")
except PermissionError as e:
    print(f"SAFE: exec of libc.so.6 refused: {e.strerror}")
r = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, timeout=20)
print(("SAFE: the interpreter still runs as a subprocess" if r.stdout == "42\n" else f"BROKEN: {r}"))
