# group: resources
# request: {"memory_mb": 64}
# expect: {"stdout_has": "SAFE", "lines_safe": 2}
# expect_v2: {"any_of": [{"stdout_has": "SAFE", "lines_safe": 2}, {"memory_exceeded": true}]}
# Socket buffers are kernel memory outside the job's pages: on cgroup v1 they
# were charged to no one, and one job with a 256 MiB limit queued 1 GiB in
# loopback TCP buffers (from the host's shared tcp_mem, which Kafka needs
# too). Now they count against the job's memory limit: queue what it allows.
# On cgroup v2 they are part of memory.max itself, and a charge in the
# job's own context may reclaim and OOM-kill: then the job dies by its
# memory limit (as it did in each run of issue 28's guest).
import socket, time
LIMIT = 64 << 20

def udp_pages():
    for line in open("/proc/net/sockstat"):   # host-wide counters, in pages
        if line.startswith("UDP:"):
            return int(line.split()[-1])

srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(128)
socks, tcp = [], 0
deadline = time.monotonic() + 4
try:
    while len(socks) < 200 and time.monotonic() < deadline:
        c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
        a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 30)
        c.setblocking(False); socks += [a, c]
        try:
            while True:
                tcp += c.send(b"x" * 65536)
        except BlockingIOError:
            pass
except OSError as e:
    print("tcp stopped:", e)
print(("SAFE" if tcp <= LIMIT + (8 << 20) else "LEAK") + f": TCP buffers queued {tcp >> 20} MiB (limit {LIMIT >> 20})")
for s in socks:
    s.close()
before, udp, sent = udp_pages(), [], 0
try:
    while len(udp) < 40:
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
        r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False); udp += [r, s]
        for _ in range(200):
            try:
                sent += s.sendto(b"y" * 60000, r.getsockname())
            except BlockingIOError:
                break
except OSError as e:
    print("udp stopped:", e)
held = (udp_pages() - before) * 4096
print(("SAFE" if held <= LIMIT + (8 << 20) else "LEAK") + f": UDP buffers held {held >> 20} MiB of {sent >> 20} MiB sent")
