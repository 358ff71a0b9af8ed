# group: resources
# request: {"memory_mb": 32}
# expect: {"stdout_has": "SAFE", "lines_safe": 3}
# Kernel memory a job can pin outside its memory limit. Before: a 32 MiB job
# held 131,072 TIME_WAIT sockets (about 32 MiB more, charged to no one), and
# AF_UNIX datagrams queued per socket were bounded only by the host's
# defaults. The job's network namespace now caps both (per-netns sysctls);
# AF_UNIX stream buffers count against the job's memory limit.
import errno, os, socket, time
N = 4000
LIMIT = 32 << 20
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(1024)
made = 0
for i in range(N):
    try:
        c = socket.create_connection(srv.getsockname())
    except OSError:
        break
    a, _ = srv.accept()
    c.close()      # the active closer holds TIME_WAIT
    a.close()
    made += 1
tw = 0
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    tw += sum(1 for line in open(f).readlines()[1:] if line.split()[3] == "06")
cap = int(open("/proc/sys/net/ipv4/tcp_max_tw_buckets").read())
print(("SAFE" if tw <= 4096 and cap <= 4096 else "LEAK") + f": {tw} TIME_WAIT sockets after {made} connections (cap {cap})")
# AF_UNIX: datagrams wait in a short per-socket queue (max_dgram_qlen), and
# the buffers of stream sockets are charged to the job's memory cgroup on
# this kernel: three processes queueing ~25 MiB each in a 32 MiB job are
# stopped by its limit, not by the host's memory.
qlen = int(open("/proc/sys/net/unix/max_dgram_qlen").read())
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
a.setblocking(False)
sent = 0
try:
    while sent < 100000:
        a.send(b"x" * 4096)
        sent += 1
except OSError:
    pass
print(("SAFE" if sent <= 1024 and qlen <= 64 else "LEAK") +
      f": {sent} datagrams of 4 KiB queued on one AF_UNIX socket (max_dgram_qlen {qlen})")
a.close()
b.close()
r, w = os.pipe()
kids = []
for k in range(3):
    pid = os.fork()
    if pid == 0:
        os.close(r)
        ballast = bytearray(6 << 20)   # the biggest processes: the OOM killer's choice, not the parent
        total, keep = 0, []
        for i in range(120):
            x, y = socket.socketpair()
            x.setblocking(False)
            try:
                while True:
                    total += x.send(b"x" * 65536)
            except OSError:
                pass
            keep.append((x, y))
            try:
                os.write(w, b"%d %d\n" % (k, total))
            except OSError:
                os._exit(1)
        os.write(w, b"%d %d done\n" % (k, total))
        time.sleep(3)
        os._exit(0)
    kids.append(pid)
os.close(w)
last, done = {}, 0
with os.fdopen(r) as f:
    for line in f:
        parts = line.split()
        last[parts[0]] = int(parts[1])
        done += len(parts) == 3
killed = 0
for pid in kids:
    _, st = os.waitpid(pid, 0)
    killed += os.WIFSIGNALED(st)
queued = sum(last.values())
# Charged: the limit kills the fillers near it (what each reported last
# before its death is a little behind or ahead of what was charged). Not
# charged: all three would queue their 25 MiB, 75 MiB, and live.
print(("SAFE" if queued <= LIMIT or (killed and queued <= 2 * LIMIT) else "LEAK") +
      f": AF_UNIX stream buffers: {queued >> 20} MiB queued by 3 processes, "
      f"{killed} killed by the memory limit, {done} finished")
