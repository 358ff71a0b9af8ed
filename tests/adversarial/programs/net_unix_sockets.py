# group: network
# stdin: host
# expect: {"stdout_has": "SAFE"}
# A host abstract socket (made by the test) and well-known host socket paths.
import json, socket, sys
host = json.load(sys.stdin)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0" + host["abstract"])
    print("LEAK: reached the host's abstract socket")
except OSError as e:
    print(f"SAFE: abstract: {e.strerror}")
for p in (host["unix_path"], "/run/docker.sock", "/var/run/docker.sock", "/run/systemd/private",
          "/var/run/dbus/system_bus_socket"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(p)
        print("LEAK: reached", p)
    except OSError as e:
        print(f"SAFE: {p}: {e.strerror}")
