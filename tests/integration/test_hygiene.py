"""Long-running hygiene (issue 10): what the store keeps and for how long,
batch pages bounded in bytes, the demo key, idempotency per route with
expiry, and a store made by an older execq brought up to date."""
import hashlib
import os
import sqlite3
import time

from conftest import Api, free_port


def extra_api(cluster, name, *flags, env=None):
    """An API of its own beside the session's: its own store and its own
    results consumer group (a shared store would be pruned by its
    retention; a shared group would take half of its results)."""
    port = free_port()
    env = dict(env or cluster.env)
    env.setdefault("EXECQ_DB_PATH", os.path.join(cluster.dir, f"{name}.db"))
    if env["EXECQ_DB_PATH"] == cluster.env["EXECQ_DB_PATH"]:
        env["EXECQ_DB_PATH"] = os.path.join(cluster.dir, f"{name}.db")
    env["EXECQ_API_GROUP_ID"] = f"{cluster.env['EXECQ_API_GROUP_ID']}-{name}"
    url = cluster.start_api(name, port=port, extra=flags, env=env)
    return Api(url, "demo_key_slopshop"), port


def wait_status(api, path, want, limit_s=20):
    deadline = time.time() + limit_s
    while time.time() < deadline:
        status, body = api.request("GET", path)
        if status == want:
            return body
        time.sleep(0.2)
    raise AssertionError(f"{path} never answered {want}: {status} {body}")


def test_finished_jobs_expire_after_retention(cluster):
    """Before: the store never deleted anything (~680 bytes per job, for
    ever). With --retention-s=5, a finished job, its batch and its result
    are gone a few seconds later; the account's totals stay."""
    # Each check comes well within the retention after what it checks (it
    # once raced a 2 s retention against the batch's own completion).
    api, _ = extra_api(cluster, "api-retention", "--retention-s=5")
    try:
        status, body = api.run("print('kept for a while')")
        assert status == 200
        jid = body["job_id"]
        assert api.request("GET", f"/v1/jobs/{jid}")[0] == 200
        status, b = api.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}]})
        batch = b["batch_id"]
        status, got = api.request("GET", f"/v1/batches/{batch}?wait=10", timeout=30)
        assert status == 200 and got["completed"], got
        acct = api.request("GET", "/v1/account")[1]
        wait_status(api, f"/v1/jobs/{jid}", 404)
        wait_status(api, f"/v1/batches/{batch}", 404)
        after = api.request("GET", "/v1/account")[1]
        for k in ("balance", "credits_charged", "credits_refunded", "runs"):
            assert after[k] == acct[k], (k, acct, after)
    finally:
        cluster.stop("api-retention")


def test_idempotency_is_per_route_and_expires(cluster):
    """The same key and body on /v1/jobs and /v1/exec-python are two
    requests (before: the sync call got the async 202 "queued"); a key is
    forgotten after --idempotency-ttl-s."""
    api, _ = extra_api(cluster, "api-idem", "--idempotency-ttl-s=2")
    try:
        h = {"Idempotency-Key": f"k-{time.time()}"}
        body = {"code": "print('once')"}
        s1, r1 = api.request("POST", "/v1/jobs", body, headers=h)
        s2, r2 = api.request("POST", "/v1/exec-python", body, headers=h)
        assert s1 == 202 and s2 == 200 and r2["stdout"] == "once\n", (s1, r1, s2, r2)
        s3, r3 = api.request("POST", "/v1/jobs", body, headers=h)   # a repeat: the same job
        assert s3 == 202 and r3["job_id"] == r1["job_id"]
        time.sleep(3)
        s4, r4 = api.request("POST", "/v1/jobs", body, headers=h)   # expired: a new job
        assert s4 == 202 and r4["job_id"] != r1["job_id"]
    finally:
        cluster.stop("api-idem")


def test_batch_pages_are_bounded_in_bytes(api):
    """Six results of 1 MiB: a page holds at most 4 MiB of them and
    next_offset says where to go on (before: all six, and up to GBs, in
    one answer)."""
    code = "import sys; sys.stdout.write('x' * 1000000)"
    status, b = api.request("POST", "/v1/batches", {"jobs": [{"code": code} for _ in range(6)]})
    assert status == 202
    batch = b["batch_id"]
    wait = api.request("GET", f"/v1/batches/{batch}?wait=30&limit=1", timeout=60)[1]
    while not wait["completed"]:
        wait = api.request("GET", f"/v1/batches/{batch}?wait=30&limit=1", timeout=60)[1]
    seen, offset, pages = 0, 0, 0
    while offset is not None:
        status, page = api.request("GET", f"/v1/batches/{batch}?offset={offset}&limit=1000", timeout=60)
        assert status == 200
        n = len(page["jobs"])
        assert 1 <= n <= 4, n
        assert all(j["result"]["stdout"] == "x" * 1000000 for j in page["jobs"])
        seen += n
        pages += 1
        offset = page["next_offset"]
    assert seen == 6 and pages >= 2


def test_changing_the_demo_key_retires_the_old_one(cluster, tmp_path):
    """Run with one demo key, stop, run with another on the same store: the
    new key works and the old one is refused (before: the other way round)."""
    env = dict(cluster.env, EXECQ_DB_PATH=str(tmp_path / "demo.db"), EXECQ_DEMO_KEY="first_demo_key")
    api, port = extra_api(cluster, "api-demo", env=env)
    assert api.with_key("first_demo_key").request("GET", "/v1/account")[0] == 200
    cluster.stop("api-demo")
    env["EXECQ_DEMO_KEY"] = "second_demo_key"
    api, port = extra_api(cluster, "api-demo", env=env)
    try:
        assert api.with_key("second_demo_key").request("GET", "/v1/account")[0] == 200
        assert api.with_key("first_demo_key").request("GET", "/v1/account")[0] == 401
    finally:
        cluster.stop("api-demo")


def test_a_store_from_an_older_execq_is_migrated(cluster, tmp_path):
    """A store of schema version 0 (as execq made it before): accounts
    without totals, idempotency keys without a route. The API brings it up
    to date at start; the account's totals are its ledger's."""
    db = tmp_path / "old.db"
    c = sqlite3.connect(db)
    c.executescript("""
        CREATE TABLE accounts(id TEXT PRIMARY KEY, key_hash TEXT UNIQUE NOT NULL,
          balance INTEGER NOT NULL CHECK(balance >= 0), granted INTEGER NOT NULL, created_ms INTEGER NOT NULL);
        CREATE TABLE ledger(job_id TEXT NOT NULL, account TEXT NOT NULL REFERENCES accounts(id),
          kind TEXT NOT NULL CHECK(kind IN ('charge','refund')), amount INTEGER NOT NULL, at_ms INTEGER NOT NULL,
          PRIMARY KEY(job_id, kind));
        CREATE TABLE batches(id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),
          size INTEGER NOT NULL, created_ms INTEGER NOT NULL);
        CREATE TABLE jobs(id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), batch_id TEXT,
          seq INTEGER, kind TEXT NOT NULL, status TEXT NOT NULL, message TEXT, produced INTEGER NOT NULL DEFAULT 0,
          result TEXT, created_ms INTEGER NOT NULL, finished_ms INTEGER);
        CREATE TABLE idempotency(account TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,
          status INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY(account, key));
        CREATE TABLE signups(addr TEXT NOT NULL, at_ms INTEGER NOT NULL);
        INSERT INTO accounts VALUES('acct_old', '%s', 85, 100, 1);
        INSERT INTO ledger VALUES('j1', 'acct_old', 'charge', 5, 1), ('j2', 'acct_old', 'charge', 5, 1),
          ('j3', 'acct_old', 'charge', 5, 1), ('j3', 'acct_old', 'refund', 5, 2), ('j4', 'acct_old', 'charge', 5, 1);
    """ % hashlib.sha256(b"eq_old_key").hexdigest())
    c.commit()
    c.close()
    env = dict(cluster.env, EXECQ_DB_PATH=str(db))
    api, _ = extra_api(cluster, "api-migrate", env=env)
    try:
        assert "schema brought to version 1" in cluster.log("api-migrate")
        c = sqlite3.connect(db)
        row = c.execute("SELECT charged, refunded, runs FROM accounts WHERE id = 'acct_old'").fetchone()
        assert row == (20, 5, 3), row
        assert c.execute("PRAGMA user_version").fetchone()[0] == 10   # every migration, in order
        assert all(f"schema brought to version {v}" in cluster.log("api-migrate") for v in range(1, 11))
        # v10: webhooks (the jobs' callbacks, the accounts' settings, events, attempts)
        assert c.execute("SELECT COUNT(*) FROM hook_events WHERE state = 'pending'").fetchone()[0] == 0
        assert c.execute("SELECT callback, hook FROM jobs").fetchall() == []
        # v7: the table of followed jobs' output
        assert c.execute("SELECT COUNT(*) FROM job_output").fetchone()[0] == 0
        # v8, v9: sessions, and an account's own limit of them
        assert c.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        assert c.execute("SELECT max_sessions FROM accounts WHERE id = 'acct_old'").fetchone() == (None,)
        # v5: the API leased its reply partition there
        assert c.execute("SELECT part FROM reply_leases").fetchall() == [(0,)]
        c.close()
        # The old account's key still works (it moved to the keys table, v3).
        status, body = api.with_key("eq_old_key").request("GET", "/v1/account")
        assert status == 200 and body["account_id"] == "acct_old" and body["balance"] == 85, body
    finally:
        cluster.stop("api-migrate")
