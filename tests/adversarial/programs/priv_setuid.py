# group: privilege
# expect: {"stdout_has": "SAFE"}
# uid 1000, no capabilities, no_new_privs, seccomp on; setuid to root refused.
import os
print("SAFE: uid", os.getuid()) if os.getuid() == 1000 and os.geteuid() == 1000 else print("LEAK: uid", os.getuid())
status = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
    print(f"SAFE: {k} empty" if int(status[k], 16) == 0 else f"LEAK: {k} {status[k]}")
print("SAFE: no_new_privs" if status["NoNewPrivs"].strip() == "1" else "LEAK: new privs")
print("SAFE: seccomp filter" if status["Seccomp"].strip() == "2" else "LEAK: no seccomp")
for fn, arg in ((os.setuid, 0), (os.setgid, 0), (os.seteuid, 0), (os.setgroups, [0])):
    try:
        fn(arg)
        print("LEAK:", fn.__name__)
    except (OSError, PermissionError) as e:
        print(f"SAFE: {fn.__name__}: {e.strerror}")
