"""The sync client against the real stack: every route it wraps, the error
mapping, retries that are never charged twice, streaming, a 1,000-job
batch, sessions and fork, files and figures, configuration."""
import json
import os
import pathlib
import time

import pytest

import execq
from conftest import ADMIN, URL

SPEC = json.loads((pathlib.Path(__file__).resolve().parents[3] / "docs" / "openapi.json").read_text())


def _resolve(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


# -- the SDK against the OpenAPI document ---------------------------------------

def test_every_operation_of_the_api_has_a_method(client):
    """A route the API has and the SDK lacks fails here (the served document
    and the repository's must agree too)."""
    def operations(doc):
        return {o["operationId"] for p in doc["paths"].values() for o in p.values()
                if isinstance(o, dict) and "operationId" in o}
    ops = operations(client.openapi())
    assert ops == operations(SPEC)
    missing = ops - set(execq.OPERATIONS)
    assert not missing, f"operations without a method in the Python SDK: {sorted(missing)}"
    stale = set(execq.OPERATIONS) - ops
    assert not stale, f"methods for operations the API no longer has: {sorted(stale)}"
    for op, name in execq.OPERATIONS.items():
        for cls_client in (client, execq.AsyncClient("k", URL)):
            assert callable(_resolve(cls_client, name)), (op, name)


def test_every_error_code_has_its_exception():
    codes = set(SPEC["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
    assert codes - set(execq.ERRORS) == set(), "error codes without an exception class"
    for code, cls in execq.ERRORS.items():
        assert cls.code == code and issubclass(cls, execq.ExecqError)
        assert getattr(execq, cls.__name__) is cls


# -- exec_python -------------------------------------------------------------------

def test_seed_example(client):
    r = client.exec_python("import math\nresult = math.sqrt(144) * 3.14159\nprint(f\"Result: {result:.4f}\")",
                           timeout=10)
    assert isinstance(r, execq.Result)
    assert r.ok and r.stdout == "Result: 37.6991\n" and r.exit_code == 0 and not r.timed_out
    assert r.credits_used == 5 and r.job_id and r.raw["_engine"] == "real"


def test_timeout_stdin_and_exit_codes(client):
    r = client.exec_python("import time\nprint('a', flush=True)\ntime.sleep(5)", timeout=0.5)
    assert r.timed_out and r.exit_code == -1 and r.stdout == "a\n" and not r.succeeded
    r = client.exec_python("import sys\nprint(sys.stdin.read().upper())", stdin="hello")
    assert r.stdout == "HELLO\n"
    r = client.exec_python("import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])", stdin=b"a\x00\xffb")
    assert r.stdout_bytes == b"b\xff\x00a"
    r = client.exec_python("raise SystemExit(3)")
    assert r.exit_code == 3 and not r.succeeded


def test_files_in_and_out_and_figures(client, tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(bytes(range(256)))
    code = ("import os, pandas as pd, matplotlib.pyplot as plt\n"
            "os.makedirs('/tmp/out/report')\n"
            "df = pd.read_csv('/input/sales.csv')\n"
            "df.assign(double=df.units * 2).to_csv('/tmp/out/report/double.csv', index=False)\n"
            "print(df.units.sum(), len(open('/input/blob.bin', 'rb').read()), open('/input/raw', 'rb').read())\n"
            "plt.plot(df.units); plt.show()\n")
    r = client.exec_python(code, scratch_mb=16,
                           files={"sales.csv": "item,units\na,3\nb,5\n", "blob.bin": src, "raw": b"\x00\x01"})
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "8 256 b'\\x00\\x01'\n"
    assert [f.name for f in r.files] == ["report/double.csv"]
    assert r.files[0].content == b"item,units,double\na,3,6\nb,5,10\n"
    assert len(r.images) == 1 and r.images[0].content.startswith(b"\x89PNG\r\n\x1a\n")
    paths = r.save(tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in paths) == ["figure-1.png", "report/double.csv"]
    assert (tmp_path / "out" / "report" / "double.csv").read_bytes() == r.files[0].content


def test_envs_and_env(client):
    envs = {e.name: e for e in client.envs()}
    assert envs["default"].state == "ready" and "numpy" in envs["default"].packages
    r = client.exec_python("print('x')", env="default")
    assert r.stdout == "x\n"
    with pytest.raises(execq.UnknownEnv) as e:
        client.exec_python("print(1)", env="no-such-env")
    assert e.value.status == 400 and "no-such-env" in e.value.message


# -- the error mapping ---------------------------------------------------------------

def test_errors_are_exceptions_with_the_api_code(client, fresh):
    with pytest.raises(execq.InvalidTimeout) as e:
        client.exec_python("print(1)", timeout=99)
    assert e.value.code == "invalid_timeout" and e.value.status == 400 and isinstance(e.value, execq.InvalidInput)
    with pytest.raises(execq.Unauthorized) as e:
        execq.Client("eq_not_a_key", URL).account()
    assert e.value.status == 401
    with pytest.raises(execq.NotFound):
        client.get("00000000-0000-4000-8000-000000000000")
    with pytest.raises(execq.InvalidFiles):
        client.exec_python("print(1)", files={"../x": "no"})
    before = fresh.account()
    with pytest.raises(execq.InsufficientCredits) as e:   # 101 jobs x 5 > 500
        fresh.submit_batch(["print(1)"] * 101)
    assert e.value.status == 402
    assert fresh.account().balance == before.balance == 500
    with pytest.raises(execq.IdempotencyKeyReused) as e:
        client.submit("print(1)", idempotency_key="sdk-test-reused-" + fresh.account_id)
        client.submit("print(2)", idempotency_key="sdk-test-reused-" + fresh.account_id)
    assert e.value.status == 422



@pytest.mark.skipif(not ADMIN, reason="needs EXECQ_ADMIN_TOKEN")
def test_rate_limited_honours_retry_after(client, fresh):
    client.admin.set_limits(fresh.account_id, "sdk test: rate limit", requests_per_s=1)
    impatient = execq.Client(fresh.api_key, URL, max_retries=0)
    deadline = time.time() + 15   # a limit applies within 5 s
    err = None
    while time.time() < deadline and err is None:
        try:
            impatient.account()
        except execq.RateLimited as e:
            err = e
    assert err is not None, "never rate limited at 1 request per second"
    assert err.status == 429 and err.retry_after is not None and err.retry_after > 0
    # The patient client waits as told and gets through every call.
    t0 = time.time()
    for _ in range(4):
        assert fresh.account().account_id == fresh.account_id
    assert time.time() - t0 >= 1.0   # it did wait
    client.admin.set_limits(fresh.account_id, "sdk test: done", requests_per_s=None)


# -- retries are never charged twice ---------------------------------------------------

@pytest.mark.parametrize("plan", [["503"], ["lost_answer"], ["cut"], ["503", "lost_answer", "cut"]])
def test_a_retried_exec_is_charged_once(fresh, flaky_proxy, plan):
    proxy = flaky_proxy("/v1/exec-python", plan)
    c = execq.Client(fresh.api_key, proxy.url, backoff_s=0.05)
    before = fresh.account()
    r = c.exec_python("import random\nprint(random.random())")
    after = fresh.account()
    keys = {k for _, _, k in proxy.seen}
    assert len(proxy.seen) == len(plan) + 1 and len(keys) == 1 and None not in keys, proxy.seen
    assert r.credits_used == 5
    assert before.balance - after.balance == 5 and after.runs - before.runs == 1, (before, after)
    assert after.credits_charged - before.credits_charged == 5


def test_retried_batch_and_job_submissions_make_one(fresh, flaky_proxy):
    proxy = flaky_proxy("/v1/batches", ["lost_answer", "cut"])
    c = execq.Client(fresh.api_key, proxy.url, backoff_s=0.05)
    acc = c.submit_batch(["print(1)", "print(2)"])
    assert acc.size == 2 and len({k for *_, k in proxy.seen}) == 1
    proxy2 = flaky_proxy("/v1/jobs", ["lost_answer"])
    j = execq.Client(fresh.api_key, proxy2.url, backoff_s=0.05).submit("print(3)")
    assert fresh.wait(j.job_id).stdout == "3\n"
    a = fresh.account()
    assert a.runs == 3 and a.credits_charged == 15, a


def test_a_session_exec_is_not_sent_twice_after_a_cut(fresh, flaky_proxy):
    """A session exec has no Idempotency-Key: after a connection cut mid-call
    the SDK says so rather than run the code a second time."""
    with fresh.session() as s:
        proxy = flaky_proxy(f"/v1/sessions/{s.id}/exec", ["cut"])
        c = execq.Client(fresh.api_key, proxy.url, backoff_s=0.05)
        with pytest.raises(execq.ConnectionFailed):
            c.session_exec(s.id, "n = globals().get('n', 0) + 1")
        assert s.exec("print(n)").stdout == "1\n"   # it ran exactly once
        assert len(proxy.seen) == 1


def test_connection_refused_is_retried_then_raised():
    c = execq.Client("k", "http://127.0.0.1:9", max_retries=2, backoff_s=0.01)
    t0 = time.time()
    with pytest.raises(execq.ConnectionFailed):
        c.account()
    assert time.time() - t0 < 10


# -- streaming, async jobs, cancel, follow --------------------------------------------

PRINTER = "import time\nfor i in range(4):\n    print(i, flush=True)\n    time.sleep(0.3)\n"


def test_streamed_exec(client):
    s = client.exec_python(PRINTER, stream=True)
    events = list(s)
    assert s.job_id
    out = "".join(e.text for e in events if e.event == "stdout")
    assert out == "0\n1\n2\n3\n" and len([e for e in events if e.event == "stdout"]) >= 2
    assert all(e.id for e in events)
    assert s.result.stdout == out and s.result.credits_used == 5 and s.result.job_id == s.job_id
    # A loop left early: the stream goes on from there, and .result reads the rest.
    s = client.exec_python(PRINTER, stream=True)
    first = next(iter(s))
    assert first.event == "stdout"
    rest = "".join(e.text for e in s if e.event == "stdout")
    assert first.text + rest == "0\n1\n2\n3\n" and s.result.stdout == "0\n1\n2\n3\n"


def test_submit_get_wait_follow(client):
    j = client.submit(PRINTER, stream=True)
    assert j.status in ("queued", "held") or j.status and j.credits_charged == 5
    info = client.get(j.job_id)
    assert info.job_id == j.job_id and info.kind == "async"
    f = client.follow(j.job_id)
    out = "".join(e.text for e in f if e.event == "stdout")
    assert out == "0\n1\n2\n3\n" and f.result.exit_code == 0
    assert client.wait(j.job_id).stdout == out
    done = client.get(j.job_id, wait=1)
    assert done.done and done.result is not None and done.result.stdout == out


def test_follow_resumes_from_last_event_id(client):
    j = client.submit(PRINTER)
    r = client.wait(j.job_id)
    f = client.follow(j.job_id, last_event_id="4.0")   # after "0\n1\n"
    assert "".join(e.text for e in f if e.event == "stdout") == "2\n3\n"
    assert f.result.stdout == r.stdout


def test_cancel_a_running_job(fresh):
    j = fresh.submit("import time\nprint('started', flush=True)\ntime.sleep(25)", timeout=30, stream=True)
    f = fresh.follow(j.job_id)
    seen = ""
    for ev in f:   # print() writes the text and the newline apart: one chunk or two
        seen += ev.text if ev.event == "stdout" else ""
        if seen == "started\n":
            break
    assert seen == "started\n"
    f.close()
    c = fresh.cancel(j.job_id)
    assert c.status == "cancelling"
    r = fresh.wait(j.job_id, timeout=20)
    assert r.cancelled and r.exit_code == -1 and r.stdout == "started\n"
    with pytest.raises(execq.AlreadyFinished):
        fresh.cancel(j.job_id)
    with pytest.raises(TimeoutError):
        fresh.wait(fresh.submit("import time; time.sleep(5)").job_id, timeout=0.5)


# -- batches ------------------------------------------------------------------------------

@pytest.mark.skipif(not ADMIN, reason="needs EXECQ_ADMIN_TOKEN (credits for 1,000 jobs)")
def test_a_thousand_job_batch_with_progress(client, fresh):
    client.admin.grant(fresh.account_id, 5000, "sdk test: 1,000 jobs")
    progress = []
    jobs = [f"print({i} * {i})" for i in range(999)] + [{"code": "import sys; sys.exit(7)", "timeout": 2}]
    run = fresh.run_batch(jobs, page_size=400, on_progress=progress.append)
    seen = {}
    for item in run:
        assert item.index not in seen
        seen[item.index] = item
    assert sorted(seen) == list(range(1000))
    assert all(seen[i].result.stdout == f"{i * i}\n" for i in range(999))
    assert seen[999].result.exit_code == 7
    assert len(run.batch_ids) == 3   # pages of 400, 400, 200, each one batch
    # progress: submissions in pages, completions climbing to the end
    assert [p.submitted for p in progress if p.completed == 0][:3] == [400, 800, 1000][:len(
        [p for p in progress if p.completed == 0][:3])]
    assert progress[-1].completed == 1000 and progress[-1].failed == 0 and progress[-1].total == 1000
    assert all(a.completed <= b.completed for a, b in zip(progress, progress[1:]))
    a = fresh.account()
    assert a.runs == 1000 and a.credits_charged == 5000 and a.balance == 500 + 5000 - 5000, a
    df = run.results_frame()
    assert len(df) == 1000 and df.loc[3, "stdout"] == "9\n" and df.loc[999, "exit_code"] == 7


def test_batch_pages_and_generator_input(client):
    gen = (f"print('{c}')" for c in "abcde")
    run = client.run_batch(gen, page_size=2)
    for first in run:
        assert first.result is not None
        break   # the rest is still there for results()
    items = run.results()
    assert [i.result.stdout for i in items] == [f"{c}\n" for c in "abcde"] and len(run.batch_ids) == 3
    page = client.get_batch(run.batch_ids[0], limit=1)
    assert page.size == 2 and page.completed and page.next_offset == 1 and len(page.jobs) == 1


# -- sessions ---------------------------------------------------------------------------------

def test_session_exec_fork_and_close(client):
    with client.session(memory_mb=256, idle_timeout_s=120) as s:
        assert s.created.state == "open" and s.created.memory_mb == 256
        s.exec("import pandas as pd\ndf = pd.DataFrame({'a': range(10)})\nx = 41")
        assert s.exec("x + 1", interactive=True).stdout == "42\n"
        fork = s.fork()
        try:
            assert fork.id != s.id
            assert fork.exec("print(df.a.sum(), x)").stdout == "45 41\n"
            fork.exec("x = 100")
            assert s.exec("print(x)").stdout == "41\n"      # the parent never sees the fork's change
            assert fork.exec("print(x)").stdout == "100\n"
            streamed = s.stream("print('s1', flush=True)\nprint('s2')")
            assert "".join(e.text for e in streamed if e.event == "stdout") == "s1\ns2\n"
            assert streamed.result.session is not None and streamed.result.session.id == s.id
            assert s.id in {x.session_id for x in client.sessions()}
            assert s.info().execs >= 4
        finally:
            fork.close()
    with pytest.raises(execq.NotFound):
        client.get_session(s.id)
    s.close()   # closing twice is fine


# -- account, keys, health, metrics, admin, configuration -----------------------------------------

def test_signup_account_rotate(client):
    s = client.signup()
    assert s.api_key.startswith("eq_") and s.credits == 500
    c = execq.Client(s.api_key, URL)
    a = c.account()
    assert a.account_id == s.account_id and a.balance == 500
    k = c.rotate_key(grace_s=0)
    assert k.api_key != s.api_key and c.api_key == k.api_key
    assert c.account().account_id == s.account_id
    with pytest.raises(execq.Unauthorized):
        execq.Client(s.api_key, URL).account()


def test_health_metrics_openapi(client):
    h = client.health()
    assert h["ok"] is True and h["kafka"] == "up"
    m = client.metrics()
    assert "execq_" in m and "# TYPE" in m
    mine = [ln for ln in m.splitlines() if ln.startswith('execq_http_requests_by_client_total{client="python"}')]
    assert mine and float(mine[0].split()[-1]) > 0, "the API counts this SDK's requests"
    assert client.openapi()["openapi"].startswith("3.")


@pytest.mark.skipif(not ADMIN, reason="needs EXECQ_ADMIN_TOKEN")
def test_admin_routes(client, fresh):
    adm = client.admin
    acct = fresh.account_id
    assert any(a["account_id"] == acct for a in adm.accounts(q=acct)["accounts"])
    g1 = adm.grant(acct, 10, "sdk test grant", idempotency_key="sdk-grant-" + acct)
    g2 = adm.grant(acct, 10, "sdk test grant", idempotency_key="sdk-grant-" + acct)
    assert g1 == g2 and fresh.account().balance == 510
    assert adm.account(acct)["balance"] == 510
    assert "days" in adm.usage(acct, days=1)
    adm.set_limits(acct, "sdk test limits", max_open=7)
    assert adm.account(acct)["limits"]["max_open"] == 7
    adm.suspend(acct, "sdk test suspend")
    with pytest.raises(execq.AccountSuspended) as e:
        fresh.account()
    assert e.value.status == 403
    adm.reinstate(acct, "sdk test reinstate")
    assert fresh.account().account_id == acct
    k = adm.new_key(acct, "sdk test new key", grace_s=0)
    assert k["api_key"].startswith("eq_")
    with pytest.raises(execq.Unauthorized):
        fresh.account()
    assert execq.Client(k["api_key"], URL).account().account_id == acct
    adm.revoke_keys(acct, "sdk test revoke")
    with pytest.raises(execq.Unauthorized):
        execq.Client(k["api_key"], URL).account()
    actions = [a["action"] for a in adm.audit(acct, limit=20)["audit"]]
    assert "suspend" in actions and "grant" in actions, actions


def test_configuration_from_env_and_credentials_file(tmp_path, monkeypatch):
    monkeypatch.delenv("EXECQ_URL", raising=False)
    monkeypatch.delenv("EXECQ_API_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "execq").mkdir()
    cred = tmp_path / "execq" / "credentials"
    cred.write_text(f"# written by `execq signup`\nurl={URL}/\napi_key=demo_key_slopshop\naccount_id=demo\n")
    cred.chmod(0o600)
    c = execq.Client()
    assert c.url == URL and c.api_key == "demo_key_slopshop"
    assert c.account().account_id == "demo"
    monkeypatch.setenv("EXECQ_API_KEY", "from-env")
    assert execq.Client().api_key == "from-env"
    cred.chmod(0o644)
    monkeypatch.delenv("EXECQ_API_KEY")
    with pytest.raises(execq.ConfigError, match="chmod 600"):
        execq.Client()
    cred.unlink()
    with pytest.raises(execq.ConfigError, match="no API key"):
        execq.Client(url=URL).account()


class _Receiver:
    """Callbacks POSTed here are kept (raw body and headers) and answered 200."""

    def __init__(self):
        import http.server
        import threading
        self.posts = []
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                rec.posts.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_webhooks(fresh):
    import hashlib
    import hmac
    import json
    import time
    w = fresh.webhook()
    assert w.url is None and w.secret.startswith("whsec_") and set(w.events) == {
        "job.completed", "batch.completed", "session.ended"}
    with pytest.raises(execq.InvalidCallbackUrl):
        fresh.submit("1", callback_url="ftp://example.com/x")
    with pytest.raises(ValueError):
        fresh.submit("1", callback_events=["job.completed"])
    with pytest.raises(execq.NotFound):
        fresh.replay_delivery("00000000-0000-4000-8000-000000000000")
    rec = _Receiver()
    try:
        s = fresh.set_webhook(rec.url, events=["job.completed"])
        assert s.url == rec.url and s.events == ["job.completed"]
        job = fresh.submit("print('hook')")                                # to the default
        own = fresh.submit("print('own')", callback_url=rec.url + "?own=1")   # its own URL
        batch = fresh.submit_batch(["print(1)"], callback_url=rec.url + "?batch=1")
        assert fresh.wait(job.job_id).stdout == "hook\n"
        if os.environ.get("EXECQ_TEST_HOOKS"):   # an execq-hooks that may call 127.0.0.1 (make test's)
            deadline = time.time() + 30
            while len(rec.posts) < 3 and time.time() < deadline:
                time.sleep(0.1)
            got = {json.loads(b)["type"] + ":" + json.loads(b)["data"].get("job_id", json.loads(b)["data"].get(
                "batch_id", "")): (h, b) for h, b in rec.posts}
            assert set(got) == {f"job.completed:{job.job_id}", f"job.completed:{own.job_id}",
                                f"batch.completed:{batch.batch_id}"}, list(got)
            h, b = got[f"job.completed:{job.job_id}"]
            assert execq.verify_signature(b, h["Execq-Signature"], w.secret)
            assert not execq.verify_signature(b.replace(b"hook", b"hack"), h["Execq-Signature"], w.secret)
            assert not execq.verify_signature(b, h["Execq-Signature"], "whsec_other")
            assert not execq.verify_signature(b, h["Execq-Signature"], w.secret, now=time.time() + 3600)
            ev = execq.parse_event(b, h["Execq-Signature"], ["whsec_other", w.secret])
            assert ev["id"] == h["Execq-Event-Id"] and ev["data"]["stdout"] == "hook\n"
            with pytest.raises(execq.InvalidSignature):
                execq.parse_event(b + b" ", h["Execq-Signature"], w.secret)
            ds = fresh.job_deliveries(job.job_id)
            while ds and ds[0].state != "delivered" and time.time() < deadline:
                time.sleep(0.1)
                ds = fresh.job_deliveries(job.job_id)
            assert len(ds) == 1 and ds[0].state == "delivered" and ds[0].attempt_log[0].status == 200
            assert ds[0].id in {d.id for d in fresh.deliveries(state="delivered")}
            assert fresh.replay_delivery(ds[0].id).state in ("pending", "delivered")   # a daemon may be quick
            # A session's own callback_url: its end.
            with fresh.session(callback_url=rec.url + "?session=1") as sess:
                sid = sess.id

            def ended() -> bool:
                return any(json.loads(b)["type"] == "session.ended" and json.loads(b)["data"]["session_id"] == sid
                           for _, b in list(rec.posts))
            deadline = time.time() + 30
            while not ended() and time.time() < deadline:
                time.sleep(0.1)
            assert ended()
            # run_batch's pages each take the callback: one job.completed per job.
            items = fresh.run_batch(["print(1)", "print(2)", "print(3)"], page_size=2, callback_url=rec.url,
                                    callback_events=["job.completed"]).results()
            want = {i.job_id for i in items}

            def called() -> set[str]:
                return {json.loads(b)["data"].get("job_id") for _, b in list(rec.posts)
                        if json.loads(b)["type"] == "job.completed"} & want
            deadline = time.time() + 30
            while called() != want and time.time() < deadline:
                time.sleep(0.1)
            assert len(want) == 3 and called() == want
        # The signature scheme itself, as the docs give it.
        t = int(time.time())
        mac = hmac.new(w.secret.encode(), f"{t}.".encode() + b"{}", hashlib.sha256).hexdigest()
        assert execq.verify_signature(b"{}", f"t={t},v1=0000,v1={mac}", w.secret)
        r = fresh.rotate_webhook_secret(grace_s=60)
        assert r.secret != w.secret and r.previous_secret_expires_at_ms
        assert fresh.delete_webhook().url is None
    finally:
        rec.server.shutdown()
