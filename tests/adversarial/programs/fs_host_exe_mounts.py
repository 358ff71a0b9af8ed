# group: filesystem
# expect: {"stdout_has": "SAFE", "lines_safe": 3}
# What a job learnt of the host: /proc/self/exe opened the host's launcher
# binary (a path outside the sandbox root), /proc/self/mountinfo named host
# paths (the executor's matplotlib directory under its sandbox root), and the
# launcher's request and hello structures sat in every warm job's memory:
# the executor's cgroup path (with its pid and the slot) and the sandbox root.
import os
exe = os.readlink("/proc/self/exe")
print(("SAFE" if exe.startswith("/memfd:") or exe.startswith("/usr/") else "LEAK") + f": /proc/self/exe is {exe}")
bad = []
host = ("/run/", "/work/", "/sys/fs/cgroup", "execq-test", "/root/", "/home/", "/tmp/", "/var/")
for line in open("/proc/self/mountinfo"):
    if any(h in line for h in host):
        bad.append(line.strip())
print(("SAFE: mountinfo names no host path" if not bad else "LEAK: " + " | ".join(bad[:4])))
# This process's own writable memory, read directly (a process that changed
# its uid is not dumpable, so /proc/self/mem is closed to it).
import ctypes, re
found = set()
# Patterns, not literals: the program's own text is in its memory too.
pats = [re.compile(rb"/sys/fs/cgroup/[a-z,]+/[^\0]*slot\d+"), re.compile(rb"/run/execq[-\w]*/(root|dev)\b"),
        re.compile(rb"/x\d+/slot\d+-")]
for line in open("/proc/self/maps"):
    f = line.split()
    if not f[1].startswith("rw") or (len(f) > 5 and f[5].startswith("[v")):
        continue
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    data = ctypes.string_at(lo, hi - lo)
    for p in pats:
        m = p.search(data)
        if m:
            found.add(m.group(0)[:80])
print(("SAFE: no executor state or sandbox root in this process's memory" if not found
       else "LEAK: in memory: " + repr(sorted(found)[:6])))
