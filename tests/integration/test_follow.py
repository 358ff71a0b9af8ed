"""Following an async or batch job (docs/api.md, "Following a job"):
GET /v1/jobs/{id}/events against the real stack, parsed by sseclient-py.
What is checked: a running job's output arrives before its end, whether it
asked ("stream": true: from its start) or not (once it has run
--live-after-ms); the stdout events put together are the result's stdout,
byte for byte, bytes that are not UTF-8 included; the result event is the
job's stored result; Last-Event-ID resumes with no byte lost or repeated;
a job that has ended sends its output and result at once; another
account's job, an unknown job and a malformed Last-Event-ID are refused
as JSON; a batch's job is followed the same way; an API that never saw
the job (a second API on the same store) serves its stream too; jobs that
end before --live-after-ms cost no chunk at all."""
import http.client
import json
import os
import sys
import time
import urllib.parse
import urllib.request

import openapi_check
from conftest import TOP, free_port
from test_stream import check_result_event, exact, output_bytes

sys.path.insert(0, os.path.join(TOP, ".run", "pylib"))
from sseclient import SSEClient  # noqa: E402  (pinned under .run/pylib by the Makefile)

TICKS = ("import sys, time\n"
         "for i in range(6):\n"
         "    print(f'tick {i}', flush=True)\n"
         "    time.sleep(0.4)\n"
         "sys.stdout.buffer.write(b'\\xff end\\n')\n")
TICKS_OUT = b"".join(f"tick {i}\n".encode() for i in range(6)) + b"\xff end\n"


def open_events(url, key, job, last_id=None):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    h = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    if last_id is not None:
        h["Last-Event-ID"] = last_id
    conn.request("GET", f"/v1/jobs/{job}/events", headers=h)
    return conn, conn.getresponse()


def follow(url, key, job, last_id=None, stop_after=None):
    """[(arrival, event, id, data)] until the stream ends, or until
    stop_after stdout events were read (the connection is then dropped)."""
    conn, resp = open_events(url, key, job, last_id)
    assert resp.status == 200, resp.read()
    ctype = resp.getheader("Content-Type")
    openapi_check.validate("GET", f"/v1/jobs/{job}/events", resp.status, ctype, None)
    assert ctype.startswith("text/event-stream") and resp.getheader("X-Job-Id") == job
    evs, n = [], 0
    for ev in SSEClient(resp).events():
        evs.append((time.monotonic(), ev.event, ev.id, json.loads(ev.data)))
        n += ev.event == "stdout"
        if stop_after and n >= stop_after:
            break
    conn.close()
    return evs


def submit(api, body):
    status, doc = api.request("POST", "/v1/jobs", body)
    assert status == 202, doc
    return doc["job_id"]


def stored_result(api, job):
    status, doc = api.request("GET", f"/v1/jobs/{job}?wait=30")
    assert status == 200 and doc["job"]["status"] == "completed", doc
    return doc["job"]["result"]


def test_a_running_async_job_is_followed_as_it_prints(api):
    """Not asked for: the output is published once the job has run 1 s
    (--live-after-ms), what it printed before at once."""
    job = submit(api, {"code": TICKS, "timeout": 20})
    evs = follow(api.url, api.key, job)
    result = check_result_event(evs)
    assert result == stored_result(api, job)
    out, n = output_bytes(evs, "stdout")
    assert b"".join(out) == TICKS_OUT == exact(result, "stdout") and n == len(TICKS_OUT)
    # Before the end: the first output event came a second or more before the result.
    first = next(t for t, ev, _, _ in evs if ev == "stdout")
    assert evs[-1][0] - first > 0.5, evs[-1][0] - first
    ids = [tuple(map(int, i.split("."))) for _, _, i, _ in evs]
    assert ids == sorted(ids) and ids[-1] == (len(TICKS_OUT), 0)


def test_stream_true_publishes_from_the_start_and_last_event_id_resumes(api):
    code = ("import time\n"
            "for i in range(30):\n"
            "    print(f'line {i:02d}', flush=True)\n"
            "    time.sleep(0.1)\n")
    want = b"".join(f"line {i:02d}\n".encode() for i in range(30))
    job = submit(api, {"code": code, "stream": True, "timeout": 20})
    t0 = time.monotonic()
    first = follow(api.url, api.key, job, stop_after=3)
    # From the start: the first lines came well before --live-after-ms.
    assert first[0][0] - t0 < 0.9, first[0][0] - t0
    last_id = first[-1][2]
    got, _ = output_bytes(first, "stdout")
    rest = follow(api.url, api.key, job, last_id=last_id)
    result = check_result_event(rest)
    # The second stream starts where the first one's last event ended.
    start = int(last_id.split(".")[0])
    assert start == sum(len(b) for b in got)
    more = [d for _, ev, _, d in rest if ev == "stdout"]
    assert not more or more[0]["offset"] == start
    joined = b"".join(got) + b"".join(d["text"].encode() for d in more)
    assert joined == want == exact(result, "stdout")


def test_an_ended_job_sends_its_output_and_result_at_once(api):
    job = submit(api, {"code": "import sys\nprint('out')\nprint('err', file=sys.stderr)"})
    result = stored_result(api, job)
    t0 = time.monotonic()
    evs = follow(api.url, api.key, job)
    assert time.monotonic() - t0 < 2
    assert check_result_event(evs) == result
    assert [e[1] for e in evs] == ["stdout", "stderr", "result"]
    assert evs[0][3] == {"offset": 0, "text": "out\n"} and evs[1][3] == {"offset": 0, "text": "err\n"}
    # Resumed past everything: only the result.
    evs = follow(api.url, api.key, job, last_id="4.4")
    assert [e[1] for e in evs] == ["result"]
    evs = follow(api.url, api.key, job, last_id="2.0")
    assert [(e[1], e[3].get("text")) for e in evs] == [("stdout", "t\n"), ("stderr", "err\n"), ("result", None)]


def test_an_ended_job_that_failed_ends_with_an_error_event(api):
    job = submit(api, {"code": "import time\ntime.sleep(30)", "timeout": 20})
    status, _ = api.request("POST", f"/v1/jobs/{job}/cancel")
    assert status in (200, 202), status
    stored_result(api, job)
    evs = follow(api.url, api.key, job)
    assert evs[-1][1] in ("result", "error")
    if evs[-1][1] == "error":   # cancelled before it ran
        assert evs[-1][3]["http_status"] == 409 and evs[-1][3]["error"]["code"] == "cancelled"
    else:                       # killed while it ran
        assert evs[-1][3]["cancelled"] is True


def test_refusals_are_plain_json(api):
    job = submit(api, {"code": "print(1)"})
    status, doc = api.request("POST", "/v1/signup", {})
    assert status == 201, doc
    other = api.with_key(doc["api_key"])
    for key, path, headers, want in (
            (other.key, f"/v1/jobs/{job}/events", {}, (404, "not_found")),
            (api.key, "/v1/jobs/00000000-0000-4000-8000-000000000000/events", {}, (404, "not_found")),
            ("nope", f"/v1/jobs/{job}/events", {}, (401, "unauthorized")),
            (api.key, f"/v1/jobs/{job}/events", {"Last-Event-ID": "12"}, (400, "invalid_request")),
            (api.key, f"/v1/jobs/{job}/events", {"Last-Event-ID": "1.2.3"}, (400, "invalid_request")),
            (api.key, f"/v1/jobs/{job}/events", {"Last-Event-ID": "-1.0"}, (400, "invalid_request"))):
        status, doc = api.with_key(key).request("GET", path, headers=headers)
        assert (status, doc["error"]["code"]) == want, (path, headers, status, doc)


def test_a_batch_job_is_followed_the_same_way(api):
    status, doc = api.request("POST", "/v1/batches", {"jobs": [{"code": TICKS, "stream": True, "timeout": 20},
                                                               {"code": "print('second')"}]})
    assert status == 202, doc
    job = doc["job_ids"][0]
    evs = follow(api.url, api.key, job)
    result = check_result_event(evs)
    out, _ = output_bytes(evs, "stdout")
    assert b"".join(out) == TICKS_OUT == exact(result, "stdout")
    first = next(t for t, ev, _, _ in evs if ev == "stdout")
    assert evs[-1][0] - first > 1.0, evs[-1][0] - first


def test_another_api_on_the_store_serves_the_stream(cluster, api):
    """A second API (its own reply partition, the same store) never saw the
    job: it follows it all the same, from the store."""
    url = cluster.start_api("api-follow", port=free_port())
    try:
        job = submit(api, {"code": TICKS, "stream": True, "timeout": 20})
        evs = follow(url, api.key, job)
    finally:
        cluster.stop("api-follow")
    result = check_result_event(evs)
    out, _ = output_bytes(evs, "stdout")
    assert b"".join(out) == TICKS_OUT == exact(result, "stdout")
    first = next(t for t, ev, _, _ in evs if ev == "stdout")
    assert evs[-1][0] - first > 1.0, evs[-1][0] - first


def chunks_sent(cluster):
    """Output chunks both executors handed to Kafka so far."""
    n = 0.0
    for name in ("executor-1", "executor-2"):
        page = urllib.request.urlopen(f"http://{cluster.metrics[name]}/metrics", timeout=10).read().decode()
        n += sum(float(l.split()[-1]) for l in page.splitlines() if l.startswith("execq_executor_output_chunks_total"))
    return n


def test_short_jobs_publish_no_chunk(cluster, api):
    """Jobs that end before --live-after-ms cost no output chunk (their
    output comes with their result), and following one still gives it all."""
    before = chunks_sent(cluster)
    status, doc = api.request("POST", "/v1/batches", {"jobs": [{"code": f"print({i})"} for i in range(20)]})
    assert status == 202, doc
    status, done = api.request("GET", f"/v1/batches/{doc['batch_id']}?wait=30")
    assert status == 200 and done["completed"], done
    assert chunks_sent(cluster) == before
    evs = follow(api.url, api.key, doc["job_ids"][7])
    assert [(e[1], e[3].get("text")) for e in evs[:-1]] == [("stdout", "7\n")]
