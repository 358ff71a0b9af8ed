"""The Python SDK's tests run against a real execq: EXECQ_URL, EXECQ_API_KEY
(an account with credits: the demo key), EXECQ_ADMIN_TOKEN (the operator
token). `make test` starts a stack and runs them (tests/sdk/test_sdks.py);
by hand: `make run`, then
EXECQ_URL=http://127.0.0.1:8080 EXECQ_API_KEY=demo_key_slopshop EXECQ_ADMIN_TOKEN=... pytest clients/python/tests
"""
import http.server
import json
import os
import socket
import threading
import urllib.error
import urllib.request

import pytest

import execq

URL = os.environ.get("EXECQ_URL", "http://127.0.0.1:8080")
KEY = os.environ.get("EXECQ_API_KEY", "demo_key_slopshop")
ADMIN = os.environ.get("EXECQ_ADMIN_TOKEN")


@pytest.fixture(scope="session")
def client():
    with execq.Client(KEY, URL, admin_token=ADMIN) as c:
        yield c


@pytest.fixture
def fresh(client):
    """A client of a new account (500 credits), with the operator token."""
    s = client.signup()
    with execq.Client(s.api_key, URL, admin_token=ADMIN) as c:
        c.account_id = s.account_id
        yield c


class FlakyProxy:
    """An HTTP proxy in front of the API that misbehaves on the first
    requests to one path, then forwards everything:
      "503":          answers 503 queue_unavailable itself (nothing reaches the API);
      "lost_answer":  forwards the request, then answers 503 instead of the API's answer;
      "cut":          forwards the request, then closes the connection without an answer."""

    def __init__(self, upstream, path, plan):
        self.upstream, self.path, self.plan = upstream, path, list(plan)
        self.seen = []   # (method, path, Idempotency-Key) of every request to `path`
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _forward(self, body):
                req = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command,
                                             headers={k: v for k, v in self.headers.items()
                                                      if k.lower() not in ("host", "content-length", "connection")})
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        return r.status, dict(r.headers), r.read()
                except urllib.error.HTTPError as e:
                    return e.code, dict(e.headers), e.read()

            def _answer(self, status, headers, body):
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                action = None
                if self.path.split("?")[0] == proxy.path:
                    proxy.seen.append((self.command, self.path, self.headers.get("Idempotency-Key")))
                    action = proxy.plan.pop(0) if proxy.plan else None
                unavailable = json.dumps({"ok": False, "error": {"code": "queue_unavailable",
                                                                 "message": "proxy says so"}}).encode()
                if action == "503":
                    return self._answer(503, {"Content-Type": "application/json", "Retry-After": "0"}, unavailable)
                status, headers, data = self._forward(body)
                if action == "lost_answer":
                    return self._answer(503, {"Content-Type": "application/json"}, unavailable)
                if action == "cut":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                return self._answer(status, headers, data)

            do_GET = do_POST = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky_proxy():
    made = []

    def make(path, plan):
        p = FlakyProxy(URL, path, plan)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close()
