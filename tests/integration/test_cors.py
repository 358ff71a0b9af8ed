"""Browsers (issue 29: the TypeScript client in a web page): an API started
with --cors-origins answers an allowed origin's preflight (204, what it may
send, no key needed) and lets its page read every answer, streams included
(Access-Control-Allow-Origin, X-Job-Id exposed); any other origin, and every
origin on an API without the flag, gets no CORS header and a 405 to OPTIONS,
as before."""
import json
import os
import urllib.error
import urllib.request

import pytest

from conftest import free_port

APP = "https://app.example"


def raw(url, method, path, headers, body=None):
    req = urllib.request.Request(url + path, method=method, headers=headers,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def cors_api(cluster):
    env = dict(cluster.env, EXECQ_DB_PATH=os.path.join(cluster.dir, "cors.db"),
               EXECQ_API_GROUP_ID=cluster.env["EXECQ_API_GROUP_ID"] + "-cors")
    url = cluster.start_api("api-cors", port=free_port(), env=env,
                            extra=(f"--cors-origins={APP}, http://localhost:5173",))
    yield url
    cluster.stop("api-cors")


def test_an_allowed_origins_preflight_and_answers(cors_api):
    status, h, body = raw(cors_api, "OPTIONS", "/v1/exec-python",
                          {"Origin": APP, "Access-Control-Request-Method": "POST",
                           "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
    assert status == 204 and body == b""
    assert h["Access-Control-Allow-Origin"] == APP and "Origin" in h["Vary"]
    assert "POST" in h["Access-Control-Allow-Methods"] and "DELETE" in h["Access-Control-Allow-Methods"]
    allowed = {x.strip().lower() for x in h["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "last-event-id"} <= allowed
    # The call itself: readable by the page, X-Job-Id too.
    auth = {"Origin": "http://localhost:5173", "Authorization": "Bearer demo_key_slopshop"}
    status, h, body = raw(cors_api, "POST", "/v1/exec-python", auth, {"code": "print(6 * 7)"})
    assert status == 200 and json.loads(body)["stdout"] == "42\n"
    assert h["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "X-Job-Id" in h["Access-Control-Expose-Headers"] and h["X-Job-Id"]
    # An error answer and a stream carry them as well.
    status, h, _ = raw(cors_api, "POST", "/v1/exec-python", {"Origin": APP}, {"code": "1"})
    assert status == 401 and h["Access-Control-Allow-Origin"] == APP
    status, h, body = raw(cors_api, "POST", "/v1/exec-python", dict(auth, Origin=APP),
                          {"code": "print(1)", "stream": True})
    assert status == 200 and h["Content-Type"].startswith("text/event-stream")
    assert h["Access-Control-Allow-Origin"] == APP and b"event: result" in body


def test_other_origins_get_nothing(cors_api, cluster):
    for url in (cors_api, cluster.url):
        status, h, _ = raw(url, "OPTIONS", "/v1/exec-python",
                           {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert status == 405 and h["Access-Control-Allow-Origin"] is None
        status, h, _ = raw(url, "GET", "/healthz", {"Origin": "https://evil.example"})
        assert status == 200 and h["Access-Control-Allow-Origin"] is None
    # Without --cors-origins even a listed origin gets no CORS header.
    status, h, _ = raw(cluster.url, "OPTIONS", "/v1/jobs", {"Origin": APP})
    assert status == 405 and h["Access-Control-Allow-Origin"] is None
