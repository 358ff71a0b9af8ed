# group: filesystem
# expect: {"stdout_has": "SAFE"}
# Kernel knobs through /proc: core_pattern (a host-root exploit path), sysrq, hostname.
for p, v in (("/proc/sys/kernel/core_pattern", "|/tmp/pwn"), ("/proc/sysrq-trigger", "b"),
             ("/proc/sys/kernel/hostname", "pwned"), ("/proc/sys/vm/drop_caches", "3"),
             ("/proc/self/oom_score_adj", "-1000")):
    try:
        with open(p, "w") as f:
            f.write(v)
        print("LEAK: wrote", p)
    except OSError as e:
        print(f"SAFE: {p}: {e.strerror}")
