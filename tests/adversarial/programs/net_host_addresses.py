# group: network
# stdin: host
# expect: {"stdout_has": "SAFE"}
# The host's own addresses (given by the test) are unreachable: the job has no route.
import json, socket, sys
host = json.load(sys.stdin)
for ip in host["host_ips"]:
    for port in (host["api_port"], 80):
        try:
            socket.create_connection((ip, port), timeout=1).close()
            print("LEAK: reached", ip, port)
        except OSError as e:
            print(f"SAFE: {ip}:{port}: {e.strerror or e}")
