"""Streamed sync calls (docs/api.md, "Streaming"): POST /v1/exec-python
with "stream": true or Accept: text/event-stream, against the real stack.
Every stream is parsed by sseclient-py (a real SSE client, pinned in the
Makefile), never by splitting on newlines. What is checked: events as the
job prints, before its end; the stdout events put together are the
result's stdout, byte for byte, bytes that are not UTF-8 included; the
result event is the non-streamed body; a timeout mid-stream; errors before
the job runs are JSON; a client that reads nothing for seconds loses at
most chunks that a dropped event names, never the end, and does not slow
the job; a client that goes away leaves its job running; a quiet stream
gets keep-alive comments."""
import base64
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

import pytest

import openapi_check
from conftest import TOP, free_port

sys.path.insert(0, os.path.join(TOP, ".run", "pylib"))
from sseclient import SSEClient  # noqa: E402  (pinned under .run/pylib by the Makefile)


def open_stream(url, key, body, headers=None):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    h = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    h.update(headers or {})
    conn.request("POST", "/v1/exec-python", json.dumps(body), headers=h)
    return conn, conn.getresponse()


def events_of(resp):
    """[(arrival time, event, id, data as JSON)] until the stream ends."""
    out = []
    for ev in SSEClient(resp).events():
        out.append((time.monotonic(), ev.event, ev.id, json.loads(ev.data)))
    return out


def read_until(events, text):
    """Reads stdout events from the iterator until their text, put
    together, holds text (chunk boundaries are the executor's: a print may
    come as two chunks). Returns what was read."""
    got = ""
    for ev in events:
        assert ev.event == "stdout", ev.event
        got += json.loads(ev.data)["text"]
        if text in got:
            return got
    raise AssertionError(f"the stream ended before {text!r}: {got!r}")


def run_streamed(api, body, headers=None):
    conn, resp = open_stream(api.url, api.key, body, headers)
    assert resp.status == 200, resp.read()
    ctype = resp.getheader("Content-Type")
    openapi_check.validate("POST", "/v1/exec-python", resp.status, ctype, None)
    assert ctype.startswith("text/event-stream")
    evs = events_of(resp)
    conn.close()
    return resp, evs


def output_bytes(evs, name):
    """The bytes the stdout (or stderr) events carry, checked to follow one
    another: each starts where the last ended, or a dropped event names the
    gap (those bytes are then None-filled: the caller takes them from the
    result)."""
    got, pos = [], 0
    for _, ev, _, data in evs:
        if ev == "dropped" and data["stream"] == name:
            assert data["offset"] == pos and data["bytes"] > 0
            got.append(None)
            pos += data["bytes"]
        elif ev == name:
            assert data["offset"] == pos, (data["offset"], pos)
            b = data["text"].encode() if "text" in data else base64.b64decode(data["base64"])
            assert b
            got.append(b)
            pos += len(b)
    return got, pos


def exact(result, name):
    """A result's stream as bytes: from *_base64 when the text is lossy."""
    if result.get(name + "_base64"):
        return base64.b64decode(result[name + "_base64"])
    return result[name].encode()


def check_result_event(evs):
    assert evs and evs[-1][1] == "result", [e[1] for e in evs]
    result = evs[-1][3]
    schema = openapi_check.document()["components"]["schemas"]["ExecResult"]
    assert not openapi_check._schema_errors(schema, result)
    assert sum(1 for e in evs if e[1] in ("result", "error")) == 1
    return result


@pytest.mark.parametrize("how", ["body", "accept"])
def test_output_comes_as_it_is_printed(api, how):
    code = ("import sys, time\n"
            "for i in range(3):\n"
            "    print(f'line {i}', flush=True)\n"
            "    time.sleep(0.4)\n"
            "print('to stderr', file=sys.stderr, flush=True)\n")
    body = {"code": code, "timeout": 10}
    headers = None
    if how == "body":
        body["stream"] = True
    else:
        headers = {"Accept": "text/event-stream"}
    resp, evs = run_streamed(api, body, headers)
    result = check_result_event(evs)
    assert resp.getheader("X-Job-Id") == result["job_id"]
    out, n = output_bytes(evs, "stdout")
    assert b"".join(out) == b"line 0\nline 1\nline 2\n" == exact(result, "stdout") and n == 21
    err, _ = output_bytes(evs, "stderr")
    assert b"".join(err) == b"to stderr\n"
    assert result["exit_code"] == 0 and result["credits_used"] == 5
    # Streamed, not buffered: the first line came long before the end (the
    # job ran 1.2 s after printing it).
    first = next(t for t, ev, _, _ in evs if ev == "stdout")
    assert evs[-1][0] - first > 0.6, evs[-1][0] - first
    # Ids say how far each stream has been sent.
    ids = [tuple(map(int, i.split("."))) for _, _, i, _ in evs]
    assert ids == sorted(ids) and ids[-1] == (21, 10)


def test_the_result_event_is_the_unstreamed_answer(api):
    code = "import sys\nprint('same')\nprint('err', file=sys.stderr)\nsys.exit(3)\n"
    status, plain = api.run(code)
    assert status == 200
    _, evs = run_streamed(api, {"code": code, "stream": True})
    streamed = check_result_event(evs)
    assert set(streamed) == set(plain)
    for k in ("stdout", "stderr", "exit_code", "timed_out", "credits_used", "memory_exceeded", "ok"):
        assert streamed[k] == plain[k], k


def test_bytes_that_are_not_utf8_and_a_character_cut_between_writes(api):
    code = ("import sys, time\n"
            "w = sys.stdout.buffer\n"
            "w.write(b'\\xff\\xfe raw\\n'); w.flush(); time.sleep(0.3)\n"
            "e = 'é'.encode()\n"
            "w.write(b'caf' + e[:1]); w.flush(); time.sleep(0.3)\n"
            "w.write(e[1:] + b' ok\\n'); w.flush(); time.sleep(0.3)\n")
    _, evs = run_streamed(api, {"code": code, "stream": True, "timeout": 10})
    result = check_result_event(evs)
    out, _ = output_bytes(evs, "stdout")
    want = b"\xff\xfe raw\n" + "café ok\n".encode()
    assert b"".join(out) == want == exact(result, "stdout")
    kinds = [("text" in d) for _, ev, _, d in evs if ev == "stdout"]
    assert kinds[0] is False                  # not UTF-8: base64
    assert any(d.get("text", "").startswith("caf") or "é" in d.get("text", "")
               for _, ev, _, d in evs if ev == "stdout")
    # The character cut between two writes was never sent in halves.
    for _, ev, _, d in evs:
        if ev == "stdout" and "base64" in d:
            assert base64.b64decode(d["base64"]) == b"\xff\xfe raw\n"


def test_a_timeout_mid_stream_sends_the_output_then_the_result(api):
    code = "print('started', flush=True)\nwhile True:\n    pass\n"
    _, evs = run_streamed(api, {"code": code, "stream": True, "timeout": 1})
    result = check_result_event(evs)
    out, _ = output_bytes(evs, "stdout")
    assert b"".join(out) == b"started\n"
    assert result["timed_out"] is True and result["exit_code"] == -1


def test_errors_before_the_job_runs_are_plain_json(api):
    for body, key, status, code in (({"stream": True}, api.key, 400, "invalid_request"),
                                    ({"code": "print(1)", "stream": "yes"}, api.key, 400, "invalid_request"),
                                    ({"code": "print(1)", "stream": True}, "nope", 401, "unauthorized")):
        conn, resp = open_stream(api.url, key, body)
        text = resp.read()
        ctype = resp.getheader("Content-Type")
        conn.close()
        assert resp.status == status and ctype == "application/json", (resp.status, ctype)
        doc = json.loads(text)
        openapi_check.validate("POST", "/v1/exec-python", resp.status, ctype, doc)
        assert doc["error"]["code"] == code
    # For async jobs and batches "stream" is checked too (its meaning
    # there: output published from the start; test_follow.py).
    status, doc = api.request("POST", "/v1/jobs", {"code": "print(1)", "stream": 1})
    assert status == 400 and "stream" in doc["error"]["message"]
    status, doc = api.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)", "stream": "yes"}]})
    assert status == 400 and "jobs[0]" in doc["error"]["message"]


def test_a_client_that_reads_nothing_loses_no_output_and_does_not_slow_the_job(api):
    """The client reads nothing for 6 s while the job prints its whole
    output cap (in about a second). What it then reads ends with the result;
    stdout events (and dropped events, if any) account for every byte in
    order; the job ran at its own pace; and other calls were answered
    meanwhile. (Here no chunk is dropped: the kernel's buffers take the
    megabyte, even behind a 16 KiB --stream-buffer-kb; the drop path has no
    test yet.)"""
    code = ("import sys, time\n"
            "line = 'x' * 1023 + '\\n'\n"
            "for i in range(16):\n"
            "    sys.stdout.write(line * 64); sys.stdout.flush(); time.sleep(0.05)\n")
    # A client whose socket takes 4 KiB at most, in segments of 1 KiB; once
    # it reads, it catches up at loopback speed (with loopback's 64 KiB
    # segments a 4 KiB window opens only on the sender's 200 ms probes: it
    # took a minute to read what waited).
    u = urllib.parse.urlparse(api.url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1024)
    sock.connect((u.hostname, u.port))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.sock = sock
    conn.request("POST", "/v1/exec-python", json.dumps({"code": code, "stream": True, "timeout": 20}),
                 headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200
    t0 = time.monotonic()
    time.sleep(2)
    status, other = api.run("print('meanwhile')")
    assert status == 200 and other["stdout"] == "meanwhile\n", other
    time.sleep(max(0.0, 6 - (time.monotonic() - t0)))
    evs = events_of(resp)
    conn.close()
    result = check_result_event(evs)
    full = exact(result, "stdout")
    assert len(full) == 1 << 20
    _, pos = output_bytes(evs, "stdout")
    assert pos == len(full)
    for _, ev, _, d in evs:
        if ev == "stdout":
            b = d["text"].encode() if "text" in d else base64.b64decode(d["base64"])
            assert full[d["offset"]:d["offset"] + len(b)] == b
    assert result["execution_time_ms"] < 4000, result["execution_time_ms"]


def test_a_client_that_goes_away_leaves_its_job_running(api):
    code = ("import time\nprint('begin', flush=True)\ntime.sleep(1.5)\nprint('end')\n")
    conn, resp = open_stream(api.url, api.key, {"code": code, "stream": True, "timeout": 10})
    job = resp.getheader("X-Job-Id")
    assert read_until(SSEClient(resp).events(), "begin\n") == "begin\n"
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    status, doc = api.request("GET", f"/v1/jobs/{job}?wait=20")
    assert status == 200 and doc["job"]["status"] == "completed", doc
    assert doc["job"]["result"]["stdout"] == "begin\nend\n" and doc["job"]["result"]["exit_code"] == 0


def test_a_quiet_stream_gets_keepalive_comments(cluster, api):
    """A second API with --stream-keepalive-s=1: a job silent for 2.5 s gets
    comment lines (which SSE clients skip) while it runs."""
    url = cluster.start_api("api-keepalive", port=free_port(), extra=("--stream-keepalive-s=1",))
    try:
        conn, resp = open_stream(url, api.key, {"code": "import time\ntime.sleep(2.5)\nprint('done')",
                                                "stream": True, "timeout": 10})
        assert resp.status == 200
        raw = b""
        while True:
            line = resp.readline()
            if not line:
                break
            raw += line
        conn.close()
    finally:
        cluster.stop("api-keepalive")
    assert raw.count(b": keep-alive\n") >= 1, raw[:500]
    assert b"event: result\n" in raw
    evs = [ev for ev in SSEClient(iter([raw])).events()]
    assert evs[-1].event == "result" and {e.event for e in evs[:-1]} == {"stdout"}, [e.event for e in evs]
