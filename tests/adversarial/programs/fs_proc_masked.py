# group: filesystem
# expect: {"stdout_has": "SAFE: masked", "lines_safe": 1}
# /proc of the job's PID namespace still shows host-wide kernel state unless
# it is masked: kernel addresses, every host timer and its process, host
# users' keys, hardware, interrupts. Each must read empty or be refused.
import os
FILES = ["/proc/kcore", "/proc/kallsyms", "/proc/keys", "/proc/key-users", "/proc/timer_list",
         "/proc/sched_debug", "/proc/sysrq-trigger", "/proc/vmallocinfo", "/proc/slabinfo", "/proc/interrupts",
         "/proc/softirqs", "/proc/modules", "/proc/zoneinfo", "/proc/iomem", "/proc/ioports", "/proc/locks",
         "/proc/buddyinfo", "/proc/pagetypeinfo",
         # host-wide activity: other tenants' I/O, paging and scheduling, the host's disks and swap
         "/proc/diskstats", "/proc/partitions", "/proc/swaps", "/proc/vmstat", "/proc/schedstat",
         "/proc/sys/kernel/random/boot_id"]
DIRS = ["/proc/acpi", "/proc/scsi", "/proc/bus", "/proc/irq", "/proc/driver", "/proc/fs", "/proc/tty",
        "/proc/sys/fs/binfmt_misc", "/proc/pressure"]
leaks = []
for f in FILES:
    try:
        with open(f, "rb") as fh:
            data = fh.read(4096)
    except OSError:
        continue
    if data:
        leaks.append(f)
for d in DIRS:
    try:
        if os.listdir(d):
            leaks.append(d)
    except OSError:
        pass
try:
    with open("/proc/sysrq-trigger", "w") as fh:
        fh.write("h")
    leaks.append("sysrq-trigger writable")
except OSError:
    pass
print("SAFE: masked" if not leaks else f"LEAK: {leaks}")
