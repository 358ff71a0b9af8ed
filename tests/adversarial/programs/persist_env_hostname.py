# group: persistence
# expect: {"stdout_has": "SAFE"}
# What a job can learn of the host: hostname, environment, cgroup path.
import os, socket
print("SAFE: hostname sandbox" if socket.gethostname() == "sandbox" else "LEAK: hostname", socket.gethostname())
allowed = {"PATH", "LANG", "LC_ALL", "HOME", "USER", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
           "LC_CTYPE", "MPLBACKEND", "MPLCONFIGDIR"}
# matplotlib's: our display backend, and its read-only config in the sandbox
want = {"MPLBACKEND": "module://_execq_display", "MPLCONFIGDIR": "/etc/matplotlib"}
print("SAFE: matplotlib's settings" if all(os.environ.get(k) == v for k, v in want.items())
      else f"LEAK: matplotlib settings {[os.environ.get(k) for k in want]}")
extra = set(os.environ) - allowed
print("SAFE: environment allowlisted" if not extra else f"LEAK: env {extra}")
cg = open("/proc/self/cgroup").read()
print("SAFE: cgroup paths hidden" if all(l.endswith(":/") for l in cg.splitlines()) else f"LEAK: {cg!r}")
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.sethostname(b"pwned", 5) == 0:
    print("LEAK: sethostname")
else:
    print(f"SAFE: sethostname: {os.strerror(ctypes.get_errno())}")
