"""Cancelling jobs (docs/api.md, POST /v1/jobs/{id}/cancel), against the
real stack: a running job is killed (its output so far, cancelled: true,
charged); a queued one never runs (refunded); a held one is settled at
once; an ended one answers 409; another account's is 404; a streamed call
whose job is cancelled ends with that result; a caller that goes away with
cancel_on_disconnect cancels its job, plain or streamed. The ledger is
checked on a fresh account each time."""
import json
import socket
import time
import urllib.parse
import urllib.request

from test_money import job_status, set_limits, signup
from test_stream import SSEClient, open_stream, read_until

SLEEPER = "import time\nprint('started', flush=True)\ntime.sleep(25)\nprint('never')\n"


def balance(user):
    status, body = user.request("GET", "/v1/account")
    assert status == 200, body
    return body["balance"]


def wait_running(user, jid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if job_status(user, jid) == "running":
            return
        time.sleep(0.1)
    raise AssertionError(f"{jid} never ran")


def result_of(user, jid, wait=20):
    status, body = user.request("GET", f"/v1/jobs/{jid}?wait={wait}")
    assert status == 200 and body["job"]["status"] == "completed", body
    return body["job"]["result"]


def test_a_running_job_is_killed_and_charged(api):
    user, _ = signup(api)
    before = balance(user)
    status, job = user.request("POST", "/v1/jobs", {"code": SLEEPER, "timeout": 30})
    assert status == 202
    wait_running(user, job["job_id"])
    time.sleep(0.5)   # 'started' printed
    t0 = time.time()
    status, body = user.request("POST", f"/v1/jobs/{job['job_id']}/cancel")
    assert status == 202 and body["status"] == "cancelling", body
    res = result_of(user, job["job_id"])
    took = time.time() - t0
    assert res["cancelled"] is True and res["exit_code"] == -1 and res["timed_out"] is False, res
    assert res["stdout"] == "started\n" and res["credits_used"] == 5
    assert took < 10, took    # killed, not left to its 25 s
    assert balance(user) == before - 5
    # Cancelling it again: it has ended.
    status, body = user.request("POST", f"/v1/jobs/{job['job_id']}/cancel")
    assert status == 409 and body["error"]["code"] == "already_finished", body


def test_a_queued_job_never_runs_and_is_refunded(cluster, api):
    """Sleepers are sent one by one until one stays queued (its executor's
    slots are all busy: jobs go round robin over the partitions, so which
    executor gets a job is not ours to choose). Cancelled, that one never
    runs, whatever slot takes it later."""
    user, account = signup(api)
    set_limits(api, account, max_queued=20)
    before = balance(user)
    running, victim = [], None
    while victim is None:
        assert len(running) < 8, "no job ever waited: more slots than the test expects"
        status, job = user.request("POST", "/v1/jobs", {"code": SLEEPER, "timeout": 30})
        assert status == 202
        try:
            wait_running(user, job["job_id"], timeout=2)
            running.append(job["job_id"])
        except AssertionError:
            victim = job["job_id"]
    status, body = user.request("POST", f"/v1/jobs/{victim}/cancel")
    assert status == 202, body
    for jid in running:
        assert user.request("POST", f"/v1/jobs/{jid}/cancel")[0] == 202
    res = result_of(user, victim)
    assert res["ok"] is False and res["error"]["code"] == "cancelled", res
    for jid in running:
        assert result_of(user, jid)["cancelled"] is True
    # The ones that ran are charged; the one that never did is refunded.
    assert balance(user) == before - len(running) * 5


def test_a_held_job_is_cancelled_at_once(api):
    user, account = signup(api)
    set_limits(api, account, max_queued=1)
    before = balance(user)
    status, first = user.request("POST", "/v1/jobs", {"code": SLEEPER, "timeout": 30})
    assert status == 202
    status, held = user.request("POST", "/v1/jobs", {"code": "print('ran')"})
    assert status == 202
    status, body = user.request("POST", f"/v1/jobs/{held['job_id']}/cancel")
    assert status == 200 and body["status"] == "cancelled", body
    res = result_of(user, held["job_id"], wait=0)
    assert res["error"]["code"] == "cancelled"
    assert user.request("POST", f"/v1/jobs/{first['job_id']}/cancel")[0] == 202
    assert result_of(user, first["job_id"])["cancelled"] is True
    assert balance(user) == before - 5


def test_unknown_and_other_accounts_jobs_are_not_found(api):
    user, _ = signup(api)
    other, _ = signup(api)
    status, job = user.request("POST", "/v1/jobs", {"code": "print(1)"})
    assert status == 202
    status, body = other.request("POST", f"/v1/jobs/{job['job_id']}/cancel")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = user.request("POST", "/v1/jobs/00000000-0000-4000-8000-000000000000/cancel")
    assert status == 404
    result_of(user, job["job_id"])
    status, body = user.request("GET", f"/v1/jobs/{job['job_id']}/cancel")
    assert status == 405


def test_a_streamed_call_ends_with_its_cancelled_result(api):
    conn, resp = open_stream(api.url, api.key, {"code": SLEEPER, "stream": True, "timeout": 30})
    jid = resp.getheader("X-Job-Id")
    events = SSEClient(resp).events()
    read_until(events, "started\n")
    assert api.request("POST", f"/v1/jobs/{jid}/cancel")[0] == 202
    rest = list(events)
    conn.close()
    assert rest[-1].event == "result", [e.event for e in rest]
    res = json.loads(rest[-1].data)
    assert res["cancelled"] is True and res["stdout"] == "started\n"


def cancelled_count(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith('execq_jobs_total{outcome="cancelled"}'):
                return float(line.split()[-1])
    return 0.0


def test_a_caller_that_goes_away_cancels_its_job_when_it_asked(cluster, api):
    """A plain sync call: its socket closed while the job runs; the job is
    cancelled (the API polls waiting calls' sockets). Without the flag the
    job runs to its end (test_stream covers that)."""
    before = cancelled_count(cluster.url)
    u = urllib.parse.urlparse(cluster.url)
    body = json.dumps({"code": SLEEPER, "timeout": 30, "cancel_on_disconnect": True}).encode()
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /v1/exec-python HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo_key_slopshop\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    time.sleep(2)
    s.close()
    deadline = time.time() + 15
    while time.time() < deadline and cancelled_count(cluster.url) < before + 1:
        time.sleep(0.2)
    assert cancelled_count(cluster.url) == before + 1
    # Streamed: the same, and the job's result says so.
    conn, resp = open_stream(api.url, api.key, {"code": SLEEPER, "stream": True, "timeout": 30,
                                                "cancel_on_disconnect": True})
    jid = resp.getheader("X-Job-Id")
    read_until(SSEClient(resp).events(), "started\n")
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    res = result_of(api, jid)
    assert res["cancelled"] is True and res["stdout"] == "started\n"
