# group: network
# expect: {"stdout_has": "SAFE", "lines_safe": 4}
# Raw, packet, vsock and other exotic families: refused.
import socket
for name, fam, typ, proto in (("raw inet", socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                              ("packet", 17, socket.SOCK_RAW, 0), ("vsock", 40, socket.SOCK_STREAM, 0),
                              ("alg", 38, socket.SOCK_SEQPACKET, 0)):
    try:
        socket.socket(fam, typ, proto).close()
        print("LEAK: opened", name)
    except OSError as e:
        print(f"SAFE: {name}: {e.strerror}")
