# group: network
# stdin: host
# expect: {"stdout_has": "SAFE"}
import json, socket, sys
host = json.load(sys.stdin)
for ip in host["host_ips"]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.sendto(b"x", (ip, 53))
        print("LEAK: sent to", ip)
    except OSError as e:
        print(f"SAFE: udp {ip}: {e.strerror}")
