"""Sessions (docs/api.md, /v1/sessions), against the real stack in the
sandbox mode under test: state kept from one exec to the next (globals,
imports, a DataFrame, an open file, /tmp), a fork that copies the state
and never sees its parent's later changes (nor the parent the fork's),
the idle timeout, the lifetime, delete, another account's key (404), an
exec past its deadline (interrupted, the session lives on) and one that
will not stop (killed, the session with it), the open-session limit, the
credits of each, streaming, and an executor killed under a live session
(410 session_lost on the next exec, not charged). Every session a test
makes is ended when the test ends: the hostile suite that follows
counts leftover sandbox processes."""
import json
import os
import signal
import time

import pytest

from conftest import SANDBOX_UID_BASES
from conftest import ADMIN_TOKEN
from test_money import set_limits, signup
from test_stream import SSEClient

MADE = []   # (user, session id): ended at the end of the module


@pytest.fixture(autouse=True)
def end_sessions():
    """Each test's sessions end with it: an executor holds few at once."""
    yield
    while MADE:
        user, sid = MADE.pop()
        user.request("DELETE", f"/v1/sessions/{sid}")


def balance(user):
    status, body = user.request("GET", "/v1/account")
    assert status == 200, body
    return body["balance"]


def make(user, **kw):
    # Sessions just deleted free their executor's place a moment later: a
    # client retries a 503 session_unavailable after its Retry-After.
    deadline = time.time() + 20
    while True:
        status, body = user.request("POST", "/v1/sessions", kw)
        if status != 503 or body["error"]["code"] != "session_unavailable" or time.time() > deadline:
            break
        time.sleep(0.5)
    assert status == 201, body
    assert body["state"] == "open", body
    MADE.append((user, body["session_id"]))
    return body["session_id"]


def ex(user, sid, code, **kw):
    return user.request("POST", f"/v1/sessions/{sid}/exec", dict({"code": code, "timeout": 10}, **kw))


def ok(user, sid, code, **kw):
    status, body = ex(user, sid, code, **kw)
    assert status == 200 and body["exit_code"] == 0, body
    return body["stdout"]


def state(user, sid):
    status, body = user.request("GET", f"/v1/sessions/{sid}")
    assert status == 200, body
    return body


def grant(api, account, credits):
    status, body = api.with_key(ADMIN_TOKEN).request("POST", f"/v1/admin/accounts/{account}/credits",
                                                      {"credits": credits, "reason": "test"})
    assert status == 200, body


def test_state_is_kept_across_100_execs(api):
    user, account = signup(api)
    grant(api, account, 1000)
    before = balance(user)
    sid = make(user, scratch_mb=16)
    assert balance(user) == before   # making a session costs nothing by default
    ok(user, sid, "import pandas as pd\nn = 0\ndf = pd.DataFrame({'a': range(10)})\n"
                  "f = open('/tmp/log.txt', 'w')\n")
    for i in range(1, 101):
        assert ok(user, sid, "n += 1\ndf.loc[len(df)] = n\nf.write(f'{n}\\n'); f.flush()\nprint(n)") == f"{i}\n"
    out = ok(user, sid, "print(n, len(df), int(df.a.sum()), open('/tmp/log.txt').read().count('\\n'))")
    assert out == f"100 110 {sum(range(10)) + sum(range(1, 101))} 100\n"
    deadline = time.time() + 10
    while state(user, sid)["execs"] != 102 and time.time() < deadline:
        time.sleep(0.2)   # counted by the store consumer, a moment after each answer
    s = state(user, sid)
    assert s["execs"] == 102 and s["state"] == "open" and s["idle_s"] <= 5, s
    assert s["memory_kb"] > 0
    assert balance(user) == before - 102 * 5


def test_an_error_keeps_the_session_and_stdin_is_per_exec(api):
    user, _ = signup(api)
    sid = make(user)
    status, body = ex(user, sid, "x = 1\nraise ValueError('boom')")
    assert status == 200 and body["exit_code"] == 1 and "ValueError: boom" in body["stderr"], body
    assert ok(user, sid, "print(x)") == "1\n"
    status, body = ex(user, sid, "import sys\nsys.exit(3)")
    assert status == 200 and body["exit_code"] == 3, body
    # Each exec reads its own stdin to its end, nothing left over from the last.
    assert ok(user, sid, "print(input())", stdin="one\ntwo\n") == "one\n"
    assert ok(user, sid, "import sys\nprint(repr(sys.stdin.read()))", stdin="three") == "'three'\n"
    assert ok(user, sid, "import sys\nprint(repr(sys.stdin.read()))") == "''\n"


def test_a_fork_copies_the_state_and_the_two_go_their_own_ways(api):
    user, _ = signup(api)
    sid = make(user, memory_mb=512)
    ok(user, sid, "import numpy as np\nbig = np.ones((4_000_000, 4))\nx = 1\nimport random\nr = random.random\n")
    status, body = user.request("POST", f"/v1/sessions/{sid}/fork")
    assert status == 201 and body["state"] == "open" and body["memory_mb"] == 512, body
    fid = body["session_id"]
    MADE.append((user, fid))
    assert fid != sid
    ok(user, fid, "x += 100\nbig[0, 0] = 7")
    ok(user, sid, "x += 1")
    assert ok(user, sid, "print(x, big[0, 0])") == "2 1.0\n"
    assert ok(user, fid, "print(x, big[0, 0])") == "101 7.0\n"
    # Random streams part at the fork: a fork is not a replay.
    a, b = ok(user, sid, "print(random.random())"), ok(user, fid, "print(random.random())")
    assert a != b
    # Ending the parent leaves the fork.
    status, _ = user.request("DELETE", f"/v1/sessions/{sid}")
    assert status == 200
    time.sleep(0.5)
    assert ok(user, fid, "print(x)") == "101\n"
    status, body = ex(user, sid, "print(x)")
    assert status == 404, body   # deleted: gone


def test_idle_timeout_ends_it_and_the_next_exec_is_not_charged(api):
    user, _ = signup(api)
    sid = make(user, idle_timeout_s=2)
    ok(user, sid, "x = 1")
    time.sleep(3.5)
    before = balance(user)
    status, body = ex(user, sid, "print(x)")
    assert status == 410 and body["error"]["code"] == "session_lost", body
    assert "idle_timeout" in body["error"]["message"]
    s = state(user, sid)
    assert s["state"] == "ended" and s["ended_because"] == "idle_timeout", s
    assert balance(user) == before


def test_lifetime_ends_it_however_busy(api):
    user, _ = signup(api)
    sid = make(user, max_lifetime_s=3, idle_timeout_s=60)
    deadline = time.time() + 10
    while time.time() < deadline:
        status, body = ex(user, sid, "pass")
        if status == 410:
            break
        assert status == 200, body
        time.sleep(0.3)
    assert status == 410 and "max_lifetime" in body["error"]["message"], body
    assert state(user, sid)["ended_because"] == "max_lifetime"


def test_delete_ends_it_and_it_is_gone(api):
    """A deleted session is gone: 404 on every route, and not listed (a
    session that ended otherwise stays listed, with why)."""
    user, _ = signup(api)
    sid = make(user)
    status, body = user.request("GET", "/v1/sessions")
    assert status == 200 and [s["session_id"] for s in body["sessions"]] == [sid], body
    status, body = user.request("DELETE", f"/v1/sessions/{sid}")
    assert status == 200 and body["state"] == "ended" and body["ended_because"] == "deleted", body
    # One that ended otherwise (its process exited) is deleted as well, and gone.
    other = make(user)
    status, body = ex(user, other, "import os\nos._exit(0)")
    assert status == 200 and body["session"]["ended"] is True, body
    status, body = user.request("DELETE", f"/v1/sessions/{other}")
    assert status == 200 and body["ended_because"] == "deleted", body
    status, body = user.request("GET", f"/v1/sessions/{other}")
    assert status == 404, body
    for method, path in (("DELETE", ""), ("GET", ""), ("POST", "/exec"), ("POST", "/fork")):
        status, body = user.request(method, f"/v1/sessions/{sid}{path}", {"code": "print(1)"} if path == "/exec" else None)
        assert status == 404 and body["error"]["code"] == "not_found", (method, path, body)
    status, body = user.request("GET", "/v1/sessions")
    assert status == 200 and body["sessions"] == [], body


def test_another_accounts_key_never_reaches_it(api):
    owner, _ = signup(api)
    other, _ = signup(api)
    sid = make(owner)
    ok(owner, sid, "secret = 42")
    for method, path, body in (("GET", f"/v1/sessions/{sid}", None),
                               ("POST", f"/v1/sessions/{sid}/exec", {"code": "print(secret)"}),
                               ("POST", f"/v1/sessions/{sid}/fork", None),
                               ("DELETE", f"/v1/sessions/{sid}", None)):
        status, answer = other.request(method, path, body)
        assert status == 404 and answer["error"]["code"] == "not_found", (method, path, answer)
    status, body = other.request("GET", "/v1/sessions")
    assert status == 200 and body["sessions"] == []
    assert ok(owner, sid, "print(secret)") == "42\n"


def test_an_exec_past_its_deadline_is_interrupted_and_the_session_lives(api):
    user, _ = signup(api)
    sid = make(user)
    ok(user, sid, "x = 5")
    t0 = time.time()
    status, body = ex(user, sid, "import time\nprint('before', flush=True)\ntime.sleep(30)", timeout=1)
    assert status == 200 and body["timed_out"] is True and body["exit_code"] == -1, body
    assert body["stdout"] == "before\n" and "KeyboardInterrupt" in body["stderr"], body
    assert time.time() - t0 < 10
    assert ok(user, sid, "print(x)") == "5\n"


def test_an_exec_that_will_not_stop_is_killed_with_its_session(api):
    user, _ = signup(api)
    sid = make(user)
    status, body = ex(user, sid, "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                 "time.sleep(60)", timeout=1)
    assert status == 200 and body["timed_out"] is True and body["session"]["ended"] is True, body
    assert body["execution_time_ms"] < 10000, body
    time.sleep(0.5)
    status, body = ex(user, sid, "print(1)")
    assert status == 410 and body["error"]["code"] == "session_lost", body
    assert state(user, sid)["ended_because"] in ("died", "lost")


def test_a_session_that_exits_is_over(api):
    user, _ = signup(api)
    sid = make(user)
    status, body = ex(user, sid, "import os\nos._exit(7)")
    assert status == 200 and body["exit_code"] == 7 and body["session"]["ended"] is True, body
    status, body = ex(user, sid, "print(1)")
    assert status == 410, body


def test_memory_limit_is_the_sessions(api):
    user, _ = signup(api)
    sid = make(user, memory_mb=64)
    status, body = ex(user, sid, "b = b'x' * (200 << 20)")
    assert status == 200 and body["memory_exceeded"] is True and body["exit_code"] == -9, body
    status, body = ex(user, sid, "print(1)")
    assert status == 410, body


def test_the_open_session_limit(api):
    """Five open sessions per account (--session-max-open), or the
    account's own max_sessions (admin limits)."""
    user, account = signup(api)
    made = [make(user) for _ in range(5)]
    status, body = user.request("POST", "/v1/sessions", {})
    assert status == 429 and body["error"]["code"] == "too_many_sessions", body
    user.request("DELETE", f"/v1/sessions/{made[0]}")
    make(user)
    while MADE:
        u, sid = MADE.pop()
        u.request("DELETE", f"/v1/sessions/{sid}")
    set_limits(api, account, max_sessions=1)
    make(user)
    status, body = user.request("POST", "/v1/sessions", {})
    assert status == 429 and body["error"]["code"] == "too_many_sessions", body


def test_bad_requests(api):
    user, _ = signup(api)
    for body in ({"idle_timeout_s": 0}, {"idle_timeout_s": 3601}, {"memory_mb": 10**9}, {"nope": 1},
                 {"scratch_mb": 100000}, [1]):
        status, answer = user.request("POST", "/v1/sessions", body)
        assert status == 400 and answer["error"]["code"] == "invalid_request", (body, answer)
    sid = make(user)
    for extra in ({"memory_mb": 64}, {"scratch_mb": 0}, {"files": []}, {"interactive": 1},
                  {"cancel_on_disconnect": {}}):
        status, answer = ex(user, sid, "print(1)", **extra)
        assert status == 400 and answer["error"]["code"] == "invalid_request", (extra, answer)
    assert ok(user, sid, "print(1)", memory_mb=None, files=None) == "1\n"   # null: as if absent
    status, answer = user.request("POST", f"/v1/sessions/{sid}/exec", {"timeout": 5})
    assert status == 400, answer
    status, answer = user.request("GET", "/v1/sessions/00000000-0000-4000-8000-000000000000")
    assert status == 404, answer
    status, answer = user.request("PUT", f"/v1/sessions/{sid}")
    assert status == 405, answer


def test_a_streamed_exec_sends_output_as_it_comes(api):
    import http.client
    import urllib.parse
    user, _ = signup(api)
    sid = make(user)
    ok(user, sid, "import time\nn = 3")
    u = urllib.parse.urlparse(api.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request("POST", f"/v1/sessions/{sid}/exec",
                 json.dumps({"code": "for i in range(n):\n    print(i, flush=True)\n    time.sleep(0.4)",
                             "timeout": 10, "stream": True}),
                 headers={"Authorization": f"Bearer {user.key}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream")
    events = list(SSEClient(resp).events())
    kinds = [e.event for e in events]
    assert kinds[-1] == "result" and "stdout" in kinds[:-1], kinds
    result = json.loads(events[-1].data)
    assert result["stdout"] == "0\n1\n2\n" and result["session"]["id"] == sid, result


def holder(cluster, sid):
    for name in ("executor-1", "executor-2"):
        if f"session={sid} made" in cluster.log(name):
            return name
    raise AssertionError(f"no executor says it made {sid}")


def test_an_executor_killed_under_a_session_answers_410_uncharged(cluster, api):
    user, _ = signup(api)
    sid = make(user)
    ok(user, sid, "x = 1")
    name = holder(cluster, sid)
    cluster.procs[name].send_signal(signal.SIGKILL)
    cluster.procs.pop(name).wait()
    before = balance(user)
    # Sent while its executor is down: the executor that comes back with
    # the same id reads its partition back and answers it.
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(ex, user, sid, "print(x)", timeout=30)
        time.sleep(1)
        base = SANDBOX_UID_BASES[0] if name == "executor-1" else SANDBOX_UID_BASES[1]
        cluster.start_executor(name, base)
        status, body = waiting.result(timeout=90)
    assert status == 410 and body["error"]["code"] == "session_lost", body
    deadline = time.time() + 30
    while balance(user) != before and time.time() < deadline:
        time.sleep(0.2)   # the refund is the store consumer's
    assert balance(user) == before
    s = state(user, sid)
    assert s["state"] == "ended" and s["ended_because"] == "lost", s
    # The restarted executor makes sessions again.
    deadline = time.time() + 60
    while f"assigned" not in cluster.log(name) and time.time() < deadline:
        time.sleep(0.2)
    sid2 = make(user)
    assert ok(user, sid2, "print('again')") == "again\n"
