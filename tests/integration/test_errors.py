"""Bad input gets a clear JSON error with the fitting status, and costs nothing."""
import json
import subprocess
import urllib.request

import pytest


def error_of(status, body, want_status, want_code):
    assert status == want_status, body
    assert body["ok"] is False
    assert body["error"]["code"] == want_code
    assert body["error"]["message"]


@pytest.mark.parametrize("raw,code", [
    (b"{not json", "invalid_json"),
    (b"", "invalid_json"),
    (b"[1,2]", "invalid_request"),
    (b"{}", "invalid_request"),
    (b'{"code": 5}', "invalid_request"),
    (b'{"code": null}', "invalid_request"),
    (b'{"code": "print(1)", "timeout": 0}', "invalid_timeout"),
    (b'{"code": "print(1)", "timeout": -1}', "invalid_timeout"),
    (b'{"code": "print(1)", "timeout": 30.5}', "invalid_timeout"),
    (b'{"code": "print(1)", "timeout": "10"}', "invalid_timeout"),
    (b'{"code": "print(1)", "timeout": true}', "invalid_timeout"),
    (b'{"code": "print(1)", "stdin": 3}', "invalid_request"),
    (b'{"code": "print(1)", "memory_mb": 8}', "invalid_memory"),
    (b'{"code": "print(1)", "memory_mb": 100.5}', "invalid_memory"),
    (b'{"code": "print(\\u0000)"}', "invalid_request"),
    # not UTF-8 inside a string: refused before it is run and charged (before: run, charged)
    (b'{"code": "print(1)  # \xff"}', "invalid_json"),
    (b'{"code": "print(1)", "stdin": "\xc0\xaf"}', "invalid_json"),
    (b'{"code": "print(1)", "stdin": "a", "stdin_b64": "YQ=="}', "invalid_request"),
    (b'{"code": "print(1)", "stdin_b64": "not base64!"}', "invalid_request"),
])
def test_bad_body(api, raw, code):
    status, body = api.request("POST", "/v1/exec-python", raw=raw)
    error_of(status, body, 400, code)


def test_escaped_backslash_u0000_is_not_nul(api):
    status, body = api.run("print('\\\\u0000')")   # the text \u0000, not a NUL
    assert status == 200 and body["stdout"] == "\\u0000\n"


def test_body_too_large(api, tmp_path):
    """Refused from its Content-Length, before the body is read (curl sends
    Expect: 100-continue for large bodies and gets the 413 instead)."""
    big = tmp_path / "big.json"
    big.write_bytes(b'{"code": "' + b"#" * (2 << 20) + b'"}')
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", api.url + "/v1/exec-python",
                          "-H", "Authorization: Bearer demo_key_slopshop", "--data-binary", f"@{big}"],
                         capture_output=True, text=True, timeout=60).stdout
    body, code = out.rsplit("\n", 1)
    error_of(int(code), json.loads(body), 413, "payload_too_large")


def test_code_too_large(api):
    status, body = api.run("#" * 200000)
    error_of(status, body, 413, "payload_too_large")


def test_largest_code_runs(api):
    status, body = api.run("x = 1\n" + "#" * (131071 - 7) + "\nprint(x)"[:0] + "\n")
    assert status == 200 and body["exit_code"] == 0


def test_missing_key(api):
    req = urllib.request.Request(api.url + "/v1/exec-python", data=b'{"code":"print(1)"}', method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("no 401")
    except urllib.error.HTTPError as e:
        assert e.code == 401
        assert e.headers["WWW-Authenticate"] == "Bearer"
        assert json.loads(e.read())["error"]["code"] == "unauthorized"


def test_unknown_key(api):
    status, body = api.request("POST", "/v1/exec-python", {"code": "print(1)"},
                               headers={"Authorization": "Bearer nope-nope-nope"})
    error_of(status, body, 401, "unauthorized")


def test_wrong_method(api):
    status, body = api.request("GET", "/v1/exec-python")
    error_of(status, body, 405, "method_not_allowed")


def test_unknown_path(api):
    status, body = api.request("POST", "/v1/exec-ruby", {"code": "1"})
    error_of(status, body, 404, "not_found")


def test_health(api):
    status, body = api.request("GET", "/healthz")
    assert status == 200 and body["ok"] is True and body["kafka"] == "up"


def test_stdin_and_fractional_timeout(api):
    status, body = api.run("import sys\nprint(sys.stdin.read().upper())", stdin="abc\n", timeout=2.5)
    assert status == 200 and body["stdout"] == "ABC\n\n"


def test_sub_second_timeout(api):
    status, body = api.run("import time\ntime.sleep(5)", timeout=0.5)
    assert status == 200 and body["timed_out"] is True and body["exit_code"] == -1
    assert 450 <= body["execution_time_ms"] <= 1500


def test_unicode_and_binary_output(api):
    status, body = api.run("import sys\nprint('héllo ✓')\nsys.stdout.flush()\n"
                           "sys.stdout.buffer.write(b'\\x00\\xff\\xfe end')")
    assert status == 200
    assert body["stdout"].startswith("héllo ✓\n")
    assert "\ufffd" in body["stdout"]
    import base64
    assert base64.b64decode(body["stdout_base64"]) == "héllo ✓\n".encode() + b"\x00\xff\xfe end"


def test_output_cap(api):
    status, body = api.run("import sys\nsys.stdout.write('x' * (3 << 20))\nprint('done', file=sys.stderr)")
    assert status == 200
    assert body["stdout_truncated"] is True
    assert len(body["stdout"]) == 1 << 20
    assert body["stderr"] == "done\n" and body["exit_code"] == 0


def test_binary_stdin(api):
    """stdin_b64 carries any bytes, NUL included (before: stdin could not
    carry a NUL at all)."""
    status, body = api.run("import sys; print(sys.stdin.buffer.read().hex())", stdin_b64="YQD/Yg==")
    assert status == 200 and body["stdout"] == "6100ff62\n", body


def test_invalid_utf8_costs_nothing(api):
    before = api.request("GET", "/v1/account")[1]["balance"]
    status, body = api.request("POST", "/v1/exec-python", raw=b'{"code": "print(1)  # \xff"}')
    error_of(status, body, 400, "invalid_json")
    assert api.request("GET", "/v1/account")[1]["balance"] == before


def test_headers_too_large_get_json(api):
    """Headers over 8 KiB: 431 in JSON like every other error (before:
    MHD's own HTML page)."""
    status, body = api.request("GET", "/v1/account", headers={"X-Big": "x" * 20000})
    error_of(status, body, 431, "headers_too_large")


def test_refused_request_is_answered_before_its_body(api):
    """A POST refused from its headers (no key) is answered at once: its
    chunked body is never read to the end (before: read without limit)."""
    import socket
    host, port = api.url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"POST /v1/exec-python HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Type: application/json\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"#" * 65536)
    got = b""
    try:
        for _ in range(64):   # up to 4 MiB, far past the body limit, with no end in sight
            s.sendall(chunk)
            s.settimeout(0.05)
            try:
                got += s.recv(65536)
            except socket.timeout:
                pass
            if got:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.settimeout(5)
    try:
        while b"\r\n\r\n" not in got:
            more = s.recv(65536)
            if not more:
                break
            got += more
    except OSError:
        pass
    s.close()
    assert got.startswith(b"HTTP/1.1 401"), got[:200]


def test_size_limit_comes_before_the_key_check(api, tmp_path):
    """A body over the limit is refused for its size whoever sends it, from
    its Content-Length (before: a request without a key got 401)."""
    big = tmp_path / "big.json"
    big.write_bytes(b'{"code": "' + b"#" * (2 << 20) + b'"}')
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", api.url + "/v1/exec-python",
                          "--data-binary", f"@{big}"], capture_output=True, text=True, timeout=60).stdout
    body, code = out.rsplit("\n", 1)
    error_of(int(code), json.loads(body), 413, "payload_too_large")
