# group: network
# expect: {"stdout_has": "SAFE", "lines_safe": 12}
# socketpair() skipped the family allow-list (AF_VSOCK, TIPC, netlink reached
# their kernel code through it); socket() on AF_INET/AF_INET6 took any
# protocol (MPTCP, UDP-Lite, ICMP "ping" sockets); setsockopt was unfiltered:
# SO_ATTACH_FILTER and SO_ATTACH_REUSEPORT_CBPF load classic BPF into the
# kernel's JIT that refusing bpf() was meant to keep out, and TCP_ULP loads
# kernel protocol modules. All refused now; plain TCP, UDP and UNIX work.
import ctypes, errno, socket, struct
libc = ctypes.CDLL(None, use_errno=True)

def name(e):
    return errno.errorcode.get(e, str(e))

for fam, label in ((40, "AF_VSOCK"), (30, "AF_TIPC"), (16, "AF_NETLINK"), (socket.AF_INET, "AF_INET"),
                   (38, "AF_ALG")):
    sv = (ctypes.c_int * 2)()
    r = libc.socketpair(fam, socket.SOCK_DGRAM, 0, sv)
    e = ctypes.get_errno()
    print((f"LEAK: socketpair({label}) reached the family's code ({name(e)})"
           if r == 0 or e not in (errno.EAFNOSUPPORT, errno.EPERM, errno.ENOSYS)
           else f"SAFE: socketpair({label}): {name(e)}"))
for fam, typ, proto, label in ((socket.AF_INET, socket.SOCK_STREAM, 262, "MPTCP"),
                               (socket.AF_INET6, socket.SOCK_STREAM, 262, "MPTCP6"),
                               (socket.AF_INET, socket.SOCK_DGRAM, 136, "UDP-Lite"),
                               (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP, "ICMP ping"),
                               (socket.AF_INET, socket.SOCK_STREAM, 132, "SCTP")):
    try:
        socket.socket(fam, typ, proto).close()
        print(f"LEAK: opened {label}")
    except OSError as e:
        print(f"SAFE: {label}: {name(e.errno)}")
# classic BPF: "ret #-1" (accept all)
prog = struct.pack("HBBI", 6, 0, 0, 0xffffffff)
buf = ctypes.create_string_buffer(prog)
fprog = struct.pack("HxxxxxxQ", 1, ctypes.addressof(buf))
for opt, label in ((26, "SO_ATTACH_FILTER"), (51, "SO_ATTACH_REUSEPORT_CBPF")):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, opt, fprog)
        print(f"LEAK: {label} accepted")
    except OSError as e:
        print(f"SAFE: {label}: {name(e.errno)}")
    s.close()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.setsockopt(socket.IPPROTO_TCP, 31, b"tls")   # TCP_ULP
    print("LEAK: TCP_ULP accepted")
except OSError as e:
    print(f"SAFE: TCP_ULP: {name(e.errno)}")
# What jobs use still works.
a, b = socket.socketpair()
a.send(b"x")
assert b.recv(1) == b"x"
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname())
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
print("ok: socketpair, TCP and UDP work")
