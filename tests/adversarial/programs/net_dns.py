# group: network
# expect: {"stdout_has": "SAFE"}
# No resolver is configured: glibc would ask 127.0.0.1, the job's own loopback.
import socket
for name in ("execq-test.invalid", "localhost.execq-test.invalid"):
    try:
        socket.getaddrinfo(name, 443)
        print("LEAK: resolved", name)
    except OSError as e:
        print(f"SAFE: {name}: {e}")
