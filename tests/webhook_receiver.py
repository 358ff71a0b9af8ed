"""A callback receiver for the webhook tests and bench: an HTTP server on
127.0.0.1 that verifies each POST's Execq-Signature, keeps every delivery,
and answers as told per path:

  /ok              200
  /fail/N          500 to the first N attempts of each event, then 200
  /slow/MS         200 after MS milliseconds
  /never           holds the connection (longer than any timeout)
  /status/CODE     CODE (a 302 with a Location, for redirects)
  /switch/NAME     503 until NAME is in .on, then 200

Receivers deduplicate by the event id, as docs/webhooks.md tells users to."""
import hashlib
import hmac
import http.server
import json
import socket
import threading
import time


def verify(secrets, header, body, tolerance_s=300, now=None):
    """True when header (Execq-Signature: t=...,v1=...[,v1=...]) signs body
    with one of secrets, within tolerance_s of now (docs/webhooks.md)."""
    try:
        parts = [p.split("=", 1) for p in header.split(",")]
        t = int(next(v for k, v in parts if k == "t"))
        sigs = [v for k, v in parts if k == "v1"]
    except (StopIteration, ValueError):
        return False
    if abs((now or time.time()) - t) > tolerance_s:
        return False
    for secret in secrets:
        mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(mac, s) for s in sigs):
            return True
    return False


class Receiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []          # every POST: dict(path, id, type, body, headers, t)
        self.attempts = {}       # event id -> attempts seen
        self.delivered = {}      # event id -> body (the first 2xx answered)
        self.duplicates = 0      # 2xx answered to an id delivered already
        self.secrets = {}        # account id -> its secrets: its events are verify()'d against them
        self.bad_signatures = 0
        self.on = set()          # /switch/NAME answers 200 once NAME is here
        self.active = {}         # path -> requests being answered now
        self.peak = {}           # path -> most at once
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # The answer's headers and body go out in two writes: without
                # this, Nagle holds the second until the client's delayed ACK
                # (40 ms), and the receiver, not execq, sets the pace.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                code = receiver.handle(self.path, body, dict(self.headers))
                if code is None:
                    time.sleep(3600)
                    return
                out = b'{"ok":true}'
                self.send_response(code)
                if code == 302:
                    self.send_header("Location", receiver.url + "/ok")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, path, body, headers):
        ev = json.loads(body)
        eid = headers.get("Execq-Event-Id")
        with self.lock:
            self.posts.append({"path": path, "id": eid, "type": headers.get("Execq-Event-Type"), "body": body,
                               "headers": headers, "t": time.time()})
            n = self.attempts[eid] = self.attempts.get(eid, 0) + 1
            mine = self.secrets.get(ev.get("account"))
            if mine and not verify(mine, headers.get("Execq-Signature", ""), body):
                self.bad_signatures += 1
                return 400
        assert ev["id"] == eid
        parts = path.strip("/").split("/")
        if parts[0] == "fail" and n <= int(parts[1]):
            return 500
        if parts[0] == "switch" and parts[1] not in self.on:
            return 503
        if parts[0] == "status":
            return int(parts[1])
        if parts[0] in ("slow", "never"):
            with self.lock:
                self.active[path] = self.active.get(path, 0) + 1
                self.peak[path] = max(self.peak.get(path, 0), self.active[path])
            time.sleep(int(parts[1]) / 1000 if parts[0] == "slow" else 30)
            with self.lock:
                self.active[path] -= 1
            if parts[0] == "never":
                return None
        with self.lock:
            if eid in self.delivered:
                self.duplicates += 1
            else:
                self.delivered[eid] = ev
        return 200

    def wait(self, pred, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if pred(self):
                    return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
