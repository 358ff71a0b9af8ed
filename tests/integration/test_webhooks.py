"""Webhooks (docs/webhooks.md): callbacks of jobs, batches and sessions,
signed, delivered at least once by execq-hooks through a receiver that
fails, stalls or never answers; the account's default and its secret's
rotation; refused URLs and addresses; execq-hooks SIGKILLed mid-backlog;
1,000 jobs beside sync traffic. The receiver deduplicates by event id, as
users are told to."""
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

import openapi_check
from conftest import ADMIN_TOKEN, BUILD, Api, free_port
from webhook_receiver import Receiver, verify

# Fast retries and an early dead letter, so the tests see both.
HOOKS_FLAGS = ("--hooks-retry-base-ms=100", "--hooks-retry-max-ms=400", "--hooks-timeout-ms=2000",
               "--hooks-lease-ms=5000", "--hooks-give-up-s=8")


@pytest.fixture(scope="module")
def hooks(cluster):
    metrics = cluster.start_hooks("hooks", HOOKS_FLAGS)
    yield metrics
    if "hooks" in cluster.procs:
        cluster.stop("hooks")


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.stop()


def account(api, credits=0):
    status, s = api.request("POST", "/v1/signup", headers={"Authorization": ""})
    assert status == 201
    if credits:
        status, _ = api.with_key(ADMIN_TOKEN).request("POST", f"/v1/admin/accounts/{s['account_id']}/credits",
                                                      {"credits": credits, "reason": "webhook tests"})
        assert status == 200
    user = api.with_key(s["api_key"])
    user.account_id = s["account_id"]
    status, w = user.request("GET", "/v1/webhooks")
    assert status == 200 and w["url"] is None and w["secret"].startswith("whsec_")
    return user, w["secret"]


def wait_for(pred, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def deliveries(user, job_id):
    status, body = user.request("GET", f"/v1/jobs/{job_id}/deliveries")
    assert status == 200 and body["job_id"] == job_id
    return body["deliveries"]


def test_a_job_callback_is_retried_signed_delivered_once_and_recorded(hooks, receiver, api):
    user, secret = account(api)
    receiver.secrets[user.account_id] = [secret]
    status, job = user.request("POST", "/v1/jobs", {"code": "print(6 * 7)", "callback_url": receiver.url + "/fail/2"})
    assert status == 202
    jid = job["job_id"]
    ev = wait_for(lambda: next((e for e in receiver.delivered.values() if e["data"].get("job_id") == jid), None),
                  what="the job's callback")
    assert ev["type"] == "job.completed" and ev["data"]["stdout"] == "42\n" and ev["data"]["exit_code"] == 0
    assert ev["data"]["links"]["job"] == f"/v1/jobs/{jid}" and ev["account"]
    posts = [p for p in receiver.posts if p["id"] == ev["id"]]
    assert len(posts) == 3 and [p["headers"]["Execq-Attempt"] for p in posts] == ["1", "2", "3"]
    assert len({p["body"] for p in posts}) == 1   # the same body (and id) at every attempt
    # The signature: over "t.body" with the account's secret; not over a changed body.
    sig, body = posts[-1]["headers"]["Execq-Signature"], posts[-1]["body"]
    assert verify([secret], sig, body)
    assert not verify([secret], sig, body.replace(b"42", b"43"))
    assert not verify(["whsec_" + "0" * 64], sig, body)
    assert not verify([secret], sig, body, now=time.time() + 3600)   # a replayed old one is stale
    # Recorded: three attempts, two 500s, then delivered.
    d = wait_for(lambda: [x for x in deliveries(user, jid) if x["state"] == "delivered"], what="recorded")
    assert len(d) == 1 and d[0]["id"] == ev["id"] and d[0]["attempts"] == 3 and d[0]["url"].endswith("/fail/2")
    assert [a["status"] for a in d[0]["attempt_log"]] == [500, 500, 200]
    assert d[0]["attempt_log"][0]["error"] == "HTTP 500" and d[0]["attempt_log"][2]["error"] is None
    assert d[0]["done_at_ms"] and d[0]["next_attempt_at_ms"] is None
    # Another account sees none of it.
    other, _ = account(api)
    assert other.request("GET", f"/v1/jobs/{jid}/deliveries")[0] == 404
    assert other.request("GET", "/v1/webhooks/deliveries")[1]["deliveries"] == []


def test_a_batch_gets_each_job_and_its_end_once(hooks, receiver, api):
    user, secret = account(api)
    status, b = user.request("POST", "/v1/batches", {
        "jobs": [{"code": f"print({i})"} for i in range(4)] + [{"code": "1/0"}],
        "callback_url": receiver.url + "/ok", "callback_events": ["job.completed", "batch.completed"]})
    assert status == 202
    ids = set(b["job_ids"])
    evs = wait_for(lambda: [e for e in list(receiver.delivered.values())
                            if e["data"].get("batch_id") == b["batch_id"]] if len(
        [e for e in list(receiver.delivered.values()) if e["data"].get("batch_id") == b["batch_id"]]) == 6 else None,
        what="five job events and the batch's")
    jobs = [e for e in evs if e["type"] == "job.completed"]
    end = next(e for e in evs if e["type"] == "batch.completed")
    assert {e["data"]["job_id"] for e in jobs} == ids and len({e["id"] for e in evs}) == 6
    assert end["data"]["size"] == 5 and end["data"]["outcomes"]["completed"] == 5
    assert sum(1 for e in jobs if e["data"]["exit_code"] == 1) == 1
    # A batch's default events: batch.completed only.
    status, b2 = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}],
                                                      "callback_url": receiver.url + "/ok"})
    wait_for(lambda: any(e["data"].get("batch_id") == b2["batch_id"] for e in list(receiver.delivered.values())),
             what="the second batch's end")
    time.sleep(1.5)   # its job's event would have come by now
    assert [e["type"] for e in list(receiver.delivered.values()) if e["data"].get("batch_id") == b2["batch_id"]] == [
        "batch.completed"]
    status, listed = user.request("GET", f"/v1/webhooks/deliveries?subject={b2['batch_id']}")
    assert status == 200 and len(listed["deliveries"]) == 1 and listed["deliveries"][0]["batch_id"] == b2["batch_id"]


def test_the_account_default_rotation_and_session_end(hooks, receiver, api):
    user, secret = account(api)
    status, w = user.request("POST", "/v1/webhooks", {"url": receiver.url + "/ok",
                                                      "events": ["job.completed", "session.ended"]})
    assert status == 200 and w["url"] == receiver.url + "/ok" and w["secret"] == secret
    assert w["events"] == ["job.completed", "session.ended"]
    status, job = user.request("POST", "/v1/jobs", {"code": "print('default')"})
    ev = wait_for(lambda: next((e for e in list(receiver.delivered.values())
                                if e["data"].get("job_id") == job["job_id"]), None), what="the default's callback")
    post = next(p for p in receiver.posts if p["id"] == ev["id"])
    assert verify([secret], post["headers"]["Execq-Signature"], post["body"])
    # Rotation: both secrets sign during the grace period.
    status, r = user.request("POST", "/v1/webhooks/rotate", {"grace_s": 60})
    assert status == 200 and r["secret"] != secret and r["previous_secret_expires_at_ms"] > time.time() * 1000
    status, job2 = user.request("POST", "/v1/jobs", {"code": "print('rotated')"})
    ev2 = wait_for(lambda: next((e for e in list(receiver.delivered.values())
                                 if e["data"].get("job_id") == job2["job_id"]), None), what="the rotated callback")
    post = next(p for p in receiver.posts if p["id"] == ev2["id"])
    sig = post["headers"]["Execq-Signature"]
    assert sig.count("v1=") == 2 and verify([r["secret"]], sig, post["body"]) and verify([secret], sig, post["body"])
    # A session's end.
    status, s = user.request("POST", "/v1/sessions", {})
    assert status == 201
    assert user.request("DELETE", f"/v1/sessions/{s['session_id']}")[0] == 200
    end = wait_for(lambda: next((e for e in list(receiver.delivered.values())
                                 if e["type"] == "session.ended" and e["data"]["session_id"] == s["session_id"]), None),
                   what="session.ended")
    assert end["data"]["reason"] == "deleted"
    # A session's own callback_url wins over the default; its fork's end goes there too.
    status, s = user.request("POST", "/v1/sessions", {"callback_url": receiver.url + "/own-session"})
    assert status == 201
    status, f = user.request("POST", f"/v1/sessions/{s['session_id']}/fork")
    assert status == 201
    for x in (f, s):
        assert user.request("DELETE", f"/v1/sessions/{x['session_id']}")[0] == 200
    for x in (s, f):
        end = wait_for(lambda: next((e for e in list(receiver.delivered.values()) if e["type"] == "session.ended"
                                     and e["data"]["session_id"] == x["session_id"]), None), what="its session.ended")
        assert {p["path"] for p in receiver.posts if p["id"] == end["id"]} == {"/own-session"}
    # Removed: later jobs have no callback (the secret stays).
    status, w = user.request("DELETE", "/v1/webhooks")
    assert status == 200 and w["url"] is None and w["secret"] == r["secret"]
    status, job3 = user.request("POST", "/v1/jobs", {"code": "print(3)"})
    assert user.request("GET", f"/v1/jobs/{job3['job_id']}?wait=20")[0] == 200
    time.sleep(1.5)
    assert deliveries(user, job3["job_id"]) == []


def test_bad_callbacks_are_refused_and_charge_nothing(hooks, receiver, api):
    user, _ = account(api)
    before = user.request("GET", "/v1/account")[1]["balance"]
    cases = [
        ("/v1/exec-python", {"code": "1", "callback_url": receiver.url + "/ok"}, "invalid_request"),
        ("/v1/jobs", {"code": "1", "callback_url": "ftp://example.com/x"}, "invalid_callback_url"),
        ("/v1/jobs", {"code": "1", "callback_url": "https://user:pw@example.com/x"}, "invalid_callback_url"),
        ("/v1/jobs", {"code": "1", "callback_url": 7}, "invalid_request"),
        ("/v1/jobs", {"code": "1", "callback_events": ["job.completed"]}, "invalid_request"),
        ("/v1/jobs", {"code": "1", "callback_url": receiver.url, "callback_events": ["batch.completed"]},
         "invalid_request"),
        ("/v1/batches", {"jobs": [{"code": "1", "callback_url": receiver.url}]}, "invalid_request"),
        ("/v1/batches", {"jobs": [{"code": "1"}], "callback_url": receiver.url, "callback_events": ["x"]},
         "invalid_request"),
        ("/v1/sessions", {"callback_url": "ftp://example.com/x"}, "invalid_callback_url"),
        ("/v1/sessions", {"callback_url": receiver.url, "callback_events": ["job.completed"]}, "invalid_request"),
        ("/v1/sessions", {"callback_events": ["session.ended"]}, "invalid_request"),
        ("/v1/webhooks", {"url": "https://example.com/" + "a" * 2100}, "invalid_callback_url"),
        ("/v1/webhooks", {"events": ["job.completed"]}, "invalid_request"),
        ("/v1/webhooks/rotate", {"grace_s": -1}, "invalid_request"),
    ]
    for path, body, code in cases:
        status, b = user.request("POST", path, body)
        assert status == 400 and b["error"]["code"] == code, (path, body, b)
    assert user.request("GET", "/v1/webhooks/deliveries?state=gone")[0] == 400
    assert user.request("POST", f"/v1/webhooks/deliveries/{'0' * 8}-0000-4000-8000-{'0' * 12}/replay")[0] == 404
    assert user.request("GET", "/v1/account")[1]["balance"] == before
    assert user.request("GET", "/v1/sessions")[1]["sessions"] == []   # no session was made


def test_private_addresses_are_refused_without_the_flag(cluster, receiver, api):
    # The API, without --allow-private-callbacks: literal addresses and localhost refused at once.
    port = free_port()
    url = cluster.start_api("api-strict", port=port, extra=["--allow-private-callbacks=0"])
    try:
        strict = Api(url, api.key)
        for u in (receiver.url + "/ok", "https://10.1.2.3/x", "https://169.254.169.254/latest/meta-data",
                  "https://localhost/x", "https://a.localhost/x"):
            status, b = strict.request("POST", "/v1/jobs", {"code": "1", "callback_url": u})
            assert status == 400 and b["error"]["code"] == "invalid_callback_url", (u, b)
            assert "private" in b["error"]["message"]
        status, b = strict.request("POST", "/v1/jobs", {"code": "1", "callback_url": "https://[::1]/x"})
        assert status == 400 and "IPv6 literal" in b["error"]["message"]   # names only
    finally:
        cluster.stop("api-strict")
    # execq-hooks checks every address it connects to, after DNS: a name
    # that resolves to loopback (this host's own name) is refused there.
    name = socket.gethostname()
    addr = socket.gethostbyname(name)
    if not addr.startswith("127."):
        name = "localhost"   # webhook_url_check refuses it by name; the probe then never connects
    target = f"http://{name}:{receiver.url.rsplit(':', 1)[1]}/ok"
    before = len(receiver.posts)
    p = subprocess.run([os.path.join(BUILD, "execq-hooks"), "--probe", target, "--allow-private-callbacks=0"],
                       env=cluster.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and ("is loopback: refused" in p.stdout or "names localhost" in p.stdout), p.stdout
    assert len(receiver.posts) == before
    p = subprocess.run([os.path.join(BUILD, "execq-hooks"), "--probe", receiver.url + "/ok",
                        "--allow-private-callbacks=0"], env=cluster.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "refused" in p.stdout and len(receiver.posts) == before
    # https only without --allow-http-callbacks; with both flags the probe arrives.
    p = subprocess.run([os.path.join(BUILD, "execq-hooks"), "--probe", receiver.url + "/ok",
                        "--allow-http-callbacks=0"], env=cluster.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "https" in p.stdout
    p = subprocess.run([os.path.join(BUILD, "execq-hooks"), "--probe", receiver.url + "/ok"], env=cluster.env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith(receiver.url + "/ok: delivered"), p.stdout
    assert len(receiver.posts) == before + 1 and receiver.posts[-1]["type"] == "ping"


def test_a_stalled_receiver_holds_only_its_own_and_dead_letters_replay(cluster, hooks, receiver, api):
    stalled, _ = account(api)
    other, _ = account(api)
    # A second execq-hooks beside the first: the cap per destination is
    # theirs together (before: each daemon's own, 8 at once from two).
    cluster.start_hooks("hooks-2", HOOKS_FLAGS)
    try:
        # Eight jobs to a receiver that never answers (2 s timeout in these tests).
        for i in range(8):
            assert stalled.request("POST", "/v1/jobs", {"code": f"print({i})",
                                                        "callback_url": receiver.url + "/never/0"})[0] == 202
        time.sleep(1)
        t0 = time.time()
        status, job = other.request("POST", "/v1/jobs", {"code": "print('other')",
                                                         "callback_url": receiver.url + "/ok"})
        wait_for(lambda: any(e["data"].get("job_id") == job["job_id"] for e in list(receiver.delivered.values())),
                 timeout=30, what="another destination's callback")
        assert time.time() - t0 < 10
        # At most hooks-per-destination (4) at once to the stalled one from
        # both daemons: no more than 4 had come before the first could time
        # out (2 s).
        times = sorted(p["t"] for p in receiver.posts if p["path"] == "/never/0")
        assert len(times) >= 4 and sum(1 for t in times if t < times[0] + 1.9) == 4, times
    finally:
        cluster.stop("hooks-2")
    # A redirect is not followed.
    status, job = other.request("POST", "/v1/jobs", {"code": "1", "callback_url": receiver.url + "/status/302"})
    d = wait_for(lambda: [x for x in deliveries(other, job["job_id"]) if x["attempts"] >= 1], what="the 302")
    assert "redirect" in d[0]["attempt_log"][0]["error"] and d[0]["state"] == "pending"
    # Dead after --hooks-give-up-s (8 s here); replayed once the receiver is back.
    status, job = other.request("POST", "/v1/jobs", {"code": "1", "callback_url": receiver.url + "/switch/replay"})
    d = wait_for(lambda: [x for x in deliveries(other, job["job_id"]) if x["state"] == "dead"], timeout=40,
                 what="a dead letter")
    assert d[0]["attempts"] >= 3 and all(a["status"] == 503 for a in d[0]["attempt_log"])
    status, dead = other.request("GET", "/v1/webhooks/deliveries?state=dead")
    assert d[0]["id"] in [x["id"] for x in dead["deliveries"]]
    receiver.on.add("replay")
    status, r = other.request("POST", f"/v1/webhooks/deliveries/{d[0]['id']}/replay")
    assert status == 200 and r["deliveries"][0]["state"] in ("pending", "delivered")   # a daemon may be quick
    wait_for(lambda: d[0]["id"] in receiver.delivered, what="the replay")
    assert receiver.delivered[d[0]["id"]]["data"]["job_id"] == job["job_id"]
    # Metrics: outcomes, the backlog (the stalled ones), dead letters.
    with urllib.request.urlopen(hooks, timeout=10) as m:
        text = m.read().decode()
    for name in ('execq_hook_deliveries_total{outcome="delivered"}', 'execq_hook_deliveries_total{outcome="dead"}',
                 "execq_hook_backlog ", "execq_hook_oldest_pending_seconds ", "execq_hook_dead_letters ",
                 "execq_hook_refused_total ", "execq_hook_inflight "):
        assert name in text, name


def test_sigkill_mid_backlog_loses_nothing(cluster, hooks, receiver, api):
    user, _ = account(api, credits=1000)
    status, b = user.request("POST", "/v1/batches", {"jobs": [{"code": f"print({i})"} for i in range(200)],
                                                     "callback_url": receiver.url + "/slow/40",
                                                     "callback_events": ["job.completed"]})
    assert status == 202
    ids = set(b["job_ids"])

    def got():
        return {e["data"].get("job_id") for e in list(receiver.delivered.values())} & ids

    wait_for(lambda: len(got()) >= 40, what="a backlog being worked")
    cluster.stop("hooks", signal.SIGKILL)
    assert len(got()) < 200
    cluster.start_hooks("hooks", HOOKS_FLAGS)
    wait_for(lambda: len(got()) == 200, timeout=120, what="every event after the restart")
    # Recorded as delivered too: what the killed one had in flight, the new
    # one (the same name) took back at its start and sent again.
    wait_for(lambda: user.request("GET", "/v1/webhooks/deliveries?state=pending")[1]["deliveries"] == [],
             what="nothing pending")
    # At least once: a duplicate only for what was in flight at the kill (4 per destination).
    dups = sum(1 for p in receiver.posts if p["path"] == "/slow/40") - len(
        {p["id"] for p in receiver.posts if p["path"] == "/slow/40"})
    assert dups <= 4, dups


def test_a_thousand_callbacks_beside_sync_traffic(hooks, receiver, api):
    user, _ = account(api, credits=6000)
    status, b = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"} for _ in range(1000)],
                                                     "callback_url": receiver.url + "/ok",
                                                     "callback_events": ["job.completed", "batch.completed"]})
    assert status == 202
    ids = set(b["job_ids"])
    sync = []

    def calls():
        for _ in range(50):
            sync.append(user.run("print(2)")[0])

    threads = [threading.Thread(target=calls) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sync == [200] * 100

    def done():
        got = [e for e in list(receiver.delivered.values()) if e["data"].get("batch_id") == b["batch_id"]]
        return got if len(got) == 1001 else None

    evs = wait_for(done, timeout=180, what="1,000 job events and the batch's")
    assert {e["data"]["job_id"] for e in evs if e["type"] == "job.completed"} == ids
    assert sum(1 for p in receiver.posts if p["body"] and b["batch_id"].encode() in p["body"]) == 1001   # each once


def test_the_cli(cluster, hooks, receiver, api, tmp_path):
    user, secret = account(api)

    def execq(*args, ok=0):
        p = subprocess.run([os.path.join(BUILD, "execq"), "--url", cluster.url, "--key", user.key, *args],
                           capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=str(tmp_path)))
        assert p.returncode == ok, (args, p.returncode, p.stdout, p.stderr)
        return p.stdout

    out = execq("hooks")
    assert "url      (none)" in out and secret in out
    out = execq("hooks", "set", receiver.url + "/fail/1", "--events", "job.completed")
    assert f"url      {receiver.url}/fail/1" in out and "job.completed" in out and "batch" not in out
    status, job = user.request("POST", "/v1/jobs", {"code": "print('cli')"})
    wait_for(lambda: any(e["data"].get("job_id") == job["job_id"] for e in list(receiver.delivered.values())),
             what="the CLI-set default's callback")
    out = wait_for(lambda: (lambda o: o if " delivered " in o else None)(execq("hooks", "list", "--job", job["job_id"])),
                   what="execq hooks list --job")
    assert "job.completed" in out and "HTTP 500" in out and "HTTP 200" in out
    assert job["job_id"] in execq("hooks", "list", "--state", "delivered")
    assert "execq_hooks" not in execq("hooks", "rm") and "url      (none)" in execq("hooks", "show")
    out = execq("hooks", "rotate", "--grace", "10")
    assert "also signs for" in out and secret not in out
    execq("hooks", "set", "ftp://x", ok=65)   # refused by the server: a data error
    execq("hooks", "replay", "not-an-id", ok=64)
    # execq batch --callback-url: the batch's end.
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"code": "print(1)"}\n{"code": "print(2)"}\n')
    execq("batch", "--no-progress", "--callback-url", receiver.url + "/ok", str(jobs))
    wait_for(lambda: any(e["type"] == "batch.completed" and e["account"] == user.account_id
                         for e in list(receiver.delivered.values())), what="the CLI batch's end")
    # execq session create --callback-url: the session's end.
    sid = execq("session", "create", "--callback-url", receiver.url + "/cli-session").strip()
    execq("session", "rm", sid)
    wait_for(lambda: any(p["path"] == "/cli-session" and p["type"] == "session.ended" for p in list(receiver.posts)),
             what="the CLI session's end")
    execq("session", "create", "--callback-url", "ftp://x", ok=65)


def test_every_callback_matches_the_documented_body(hooks, receiver, api):
    """Each body received (here and in the tests before, on this module's
    receiver) is a WebhookEvent of the OpenAPI document (its webhooks
    section), each type's data as documented; and the check can fail."""
    from jsonschema import Draft202012Validator
    user, _ = account(api)
    url = receiver.url + "/ok"
    status, job = user.request("POST", "/v1/jobs", {"code": "print('doc')", "callback_url": url})
    status, batch = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}], "callback_url": url,
                                                        "callback_events": ["job.completed", "batch.completed"]})
    status, s = user.request("POST", "/v1/sessions", {"callback_url": url})
    assert user.request("DELETE", f"/v1/sessions/{s['session_id']}")[0] == 200
    mine = lambda: {e["type"] for e in list(receiver.delivered.values()) if e.get("account") == user.account_id}
    wait_for(lambda: mine() == {"job.completed", "batch.completed", "session.ended"}, what="one of each type")
    doc = openapi_check.document()
    assert set(doc["webhooks"]) == {"job.completed", "batch.completed", "session.ended"}
    v = Draft202012Validator(doc["components"]["schemas"]["WebhookEvent"])
    for e in list(receiver.delivered.values()):
        errors = [x.message for x in v.iter_errors(e)]
        assert not errors, (e, errors)
    bad = dict(next(e for e in receiver.delivered.values() if e["type"] == "batch.completed"))
    bad["data"] = {k: x for k, x in bad["data"].items() if k != "outcomes"}
    assert list(v.iter_errors(bad))
