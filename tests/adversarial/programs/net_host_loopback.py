# group: network
# stdin: host
# expect: {"stdout_has": "SAFE", "lines_safe": 3}
# The API, the broker and the broker's controller listen on the host's
# loopback; the job's loopback is its own.
import json, socket, sys
host = json.load(sys.stdin)
for name in ("api_port", "kafka_port", "kafka_ctrl_port"):
    try:
        socket.create_connection(("127.0.0.1", host[name]), timeout=1).close()
        print("LEAK: reached", name)
    except OSError as e:
        print(f"SAFE: {name}: {e.strerror or e}")
