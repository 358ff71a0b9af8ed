# group: network
# expect: {"stdout_has": "SAFE"}
import socket
names = [n for _, n in socket.if_nameindex()]
print("SAFE: interfaces", names) if names == ["lo"] else print("LEAK: interfaces", names)
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
c = socket.create_connection(s.getsockname(), timeout=1)
print("SAFE: own loopback works")
