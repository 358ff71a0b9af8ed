"""Two APIs over one PostgreSQL store (issue 12): charging exactly once
between them, a job submitted through one found and awaited through the
other (woken by PostgreSQL's NOTIFY, not by polling), each API's sync
replies on its own partition of the results topic, and one API killed while
the other carries on. The scratch server comes from `make test`
(scripts/pg.sh run sets EXECQ_TEST_PG_URL)."""
import os
import urllib.parse
import signal
import subprocess
import threading
import time

import pytest

from conftest import Api, free_port

PG = os.environ.get("EXECQ_TEST_PG_URL", "")
pytestmark = pytest.mark.skipif(not PG, reason="EXECQ_TEST_PG_URL not set: run through make test or make integration")


def psql(sql):
    subprocess.run(["psql", PG, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


class Pair:
    def __init__(self, cluster):
        self.cluster = cluster
        # A store of their own, and a results group of their own (the
        # session API's group would take half of their results).
        psql("SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        self.env = dict(cluster.env, EXECQ_DB_URL=PG, EXECQ_SIGNUP_CREDITS="100",
                        EXECQ_API_GROUP_ID=f"{cluster.env['EXECQ_API_GROUP_ID']}-shared")
        self.ports = {}
        self.apis = {}
        for name, part in (("api-a", 1), ("api-b", 2)):
            self.start(name, part)

    def start(self, name, part):
        port = self.ports.setdefault(name, free_port())
        url = self.cluster.start_api(name, port=port, extra=(f"--reply-partition={part}",), env=self.env)
        self.apis[name] = Api(url, "demo_key_slopshop")
        return self.apis[name]

    def stop(self):
        for name in ("api-a", "api-b"):
            if name in self.cluster.procs:
                self.cluster.stop(name)


@pytest.fixture(scope="module")
def pair(cluster):
    p = Pair(cluster)
    yield p
    p.stop()


def signup(api):
    status, body = api.request("POST", "/v1/signup", headers={"Authorization": ""})
    assert status == 201, body
    return body


def test_two_apis_charge_exactly_what_the_credits_pay(pair):
    """50 concurrent calls through each API on one key with 100 credits at
    5 a run: exactly 20 run between them, 80 get 402, the balance ends at
    0 and never below."""
    a, b = pair.apis["api-a"], pair.apis["api-b"]
    key = signup(a)["api_key"]
    statuses, lock = [], threading.Lock()

    def call(api):
        status, body = api.with_key(key).run("print('paid')")
        with lock:
            statuses.append((status, body.get("error", {}).get("code") if status != 200 else None))

    threads = [threading.Thread(target=call, args=(a if i % 2 else b,)) for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = sum(1 for s, _ in statuses if s == 200)
    refused = sum(1 for s, _ in statuses if s == 402)
    print(f"two APIs, 100 calls on 100 credits: {ok} ran, {refused} refused 402, others {statuses and [s for s in statuses if s[0] not in (200, 402)]}")
    assert ok == 20 and refused == 80, statuses
    for api in (a, b):   # the same account, seen alike through both
        status, acct = api.with_key(key).request("GET", "/v1/account")
        assert status == 200 and acct["balance"] == 0 and acct["credits_charged"] == 100, acct


def test_a_job_submitted_through_one_api_is_awaited_through_the_other(pair):
    """Six async jobs through API A, each awaited with ?wait=20 through API
    B. The two APIs share the results group, so about half the results are
    stored by A: B's waiters learn of them by NOTIFY, and every wait ends
    when its job does, not at its 20 s deadline."""
    a, b = pair.apis["api-a"], pair.apis["api-b"]
    ids = []
    for i in range(6):
        status, body = a.request("POST", "/v1/jobs", {"code": f"import time\ntime.sleep(1)\nprint({i})"})
        assert status == 202, body
        ids.append(body["job_id"])
    took, results = {}, {}

    def wait(i, jid):
        t0 = time.monotonic()
        results[i] = b.request("GET", f"/v1/jobs/{jid}?wait=20", timeout=40)
        took[i] = time.monotonic() - t0

    threads = [threading.Thread(target=wait, args=(i, jid)) for i, jid in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("waits through the other API (s):", " ".join(f"{took[i]:.2f}" for i in range(6)))
    for i in range(6):
        status, body = results[i]
        assert status == 200 and body["job"]["status"] == "completed", body
        assert body["job"]["result"]["stdout"] == f"{i}\n"
        assert took[i] < 10, took   # woken by the result, not by the deadline
    # and a batch through B, awaited through A
    status, body = b.request("POST", "/v1/batches", {"jobs": [{"code": f"print({i})"} for i in range(8)]})
    assert status == 202, body
    t0 = time.monotonic()
    status, got = a.request("GET", f"/v1/batches/{body['batch_id']}?wait=20", timeout=40)
    assert status == 200 and got["completed"], got
    assert time.monotonic() - t0 < 10


def test_sync_replies_come_back_on_each_apis_own_partition(pair, cluster):
    """Executors answer a sync job on the partition its API named
    (reply-partition), which is the only one that API reads for replies."""
    a, b = pair.apis["api-a"], pair.apis["api-b"]
    status, ja = a.run("print('a')")
    assert status == 200 and ja["stdout"] == "a\n"
    status, jb = b.run("print('b')")
    assert status == 200 and jb["stdout"] == "b\n"
    out = subprocess.run(["kcat", "-C", "-b", cluster.brokers, "-t", cluster.results_topic, "-o", "beginning", "-e",
                          "-q", "-f", "%p %k\n"], capture_output=True, text=True, timeout=60, check=True).stdout
    where = dict(line.split()[::-1] for line in out.splitlines() if line.strip())
    assert where.get(ja["job_id"]) == "1" and where.get(jb["job_id"]) == "2", (ja["job_id"], jb["job_id"])


def leased_partition(cluster, name):
    for line in cluster.log(name).splitlines():
        if "sync replies on partition" in line:
            return int(line.split("sync replies on partition ")[1].split()[0])
    raise AssertionError(f"{name} leased no reply partition: {cluster.log(name)[-2000:]}")


def test_apis_without_a_reply_partition_lease_distinct_ones(pair, cluster):
    """Two more APIs on the store, none given --reply-partition: each leases
    one no other running API holds (A and B hold 1 and 2, configured), their
    sync calls are answered, and one restarted under the same name gets its
    own partition back."""
    ports, apis = {}, {}
    try:
        for name in ("api-c", "api-d"):
            ports[name] = free_port()
            apis[name] = Api(cluster.start_api(name, port=ports[name], env=pair.env), "demo_key_slopshop")
        got = {name: leased_partition(cluster, name) for name in apis}
        assert len(set(got.values())) == 2 and not set(got.values()) & {1, 2}, got
        for name, api in apis.items():
            status, body = api.run(f"print('{name}')")
            assert status == 200 and body["stdout"] == f"{name}\n", body
        cluster.stop("api-c", sig=signal.SIGKILL)   # its lease stays until it expires
        apis["api-c"] = Api(cluster.start_api("api-c", port=ports["api-c"], env=pair.env), "demo_key_slopshop")
        assert leased_partition(cluster, "api-c") == got["api-c"]
        assert apis["api-c"].run("print(3)")[0] == 200
    finally:
        for name in ("api-c", "api-d"):
            if name in cluster.procs:
                cluster.stop(name)


def pg_dir_port():
    """The scratch server's directory and port, from its URL (scripts/pg.sh)."""
    q = urllib.parse.parse_qs(urllib.parse.urlparse(PG).query)
    return os.path.dirname(q["host"][0]), q["port"][0]


def test_the_store_restarted(pair):
    """PostgreSQL stopped under both APIs: calls are refused 503
    store_unavailable with Retry-After, nothing queued or charged; an async job whose result comes meanwhile is stored
    once the server is back (the results group waits for the store), and
    calls work again without restarting the APIs."""
    a, b = pair.apis["api-a"], pair.apis["api-b"]
    pgdir, port = pg_dir_port()
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "pg.sh")
    status, job = a.request("POST", "/v1/jobs", {"code": "import time\ntime.sleep(2)\nprint('late')"})
    assert status == 202, job
    subprocess.run([script, "stop", pgdir], check=True, capture_output=True)
    try:
        for api in (a, b):
            status, body = api.run("print('no store')")
            assert status == 503 and body["error"]["code"] == "store_unavailable", body
        time.sleep(3)   # the job finishes while the store is away
    finally:
        subprocess.run([script, "start", pgdir, port], check=True, capture_output=True)
    deadline, status = time.time() + 30, None
    while time.time() < deadline:
        status, body = a.run("print('back')")
        if status == 200:
            break
        time.sleep(0.5)
    assert status == 200 and body["stdout"] == "back\n", body
    # B tries the store again within 2 s of its last failed try (Retry-After: 5)
    deadline = time.time() + 10
    while time.time() < deadline:
        status, got = b.request("GET", f"/v1/jobs/{job['job_id']}?wait=20", timeout=40)
        if status != 503:
            break
        assert got["error"]["code"] == "store_unavailable", got
        time.sleep(0.5)
    assert status == 200 and got["job"]["status"] == "completed" and got["job"]["result"]["stdout"] == "late\n", got


def test_one_api_killed_the_other_serves_its_jobs(pair, cluster):
    """API A SIGKILLed right after taking a 10-job batch: calls through B
    keep working, and A's batch completes and is read through B (B's
    results consumer takes A's partitions after the group's session
    timeout)."""
    a, b = pair.apis["api-a"], pair.apis["api-b"]
    status, body = a.request("POST", "/v1/batches",
                             {"jobs": [{"code": f"import time\ntime.sleep(0.3)\nprint({i})"} for i in range(10)]})
    assert status == 202, body
    batch = body["batch_id"]
    time.sleep(0.5)   # its jobs handed to Kafka
    t0 = time.monotonic()
    cluster.stop("api-a", sig=signal.SIGKILL)
    status, r = b.run("print('still here')")
    assert status == 200 and r["stdout"] == "still here\n", r
    status, got = b.request("GET", f"/v1/batches/{batch}?wait=30", timeout=60)
    took = time.monotonic() - t0
    print(f"API A killed: its 10-job batch complete through B {took:.1f} s later")
    assert status == 200 and got["completed"] and got["counts"]["completed"] == 10, got
    assert sorted(j["result"]["stdout"] for j in got["jobs"]) == sorted(f"{i}\n" for i in range(10))
    # A comes back on the same store: the batch is there, charged once
    a = pair.start("api-a", 1)
    status, again = a.request("GET", f"/v1/batches/{batch}")
    assert status == 200 and again["completed"]


def test_a_session_made_through_one_api_runs_through_the_other(pair):
    """The sessions table on PostgreSQL: where a session lives is read by
    every API, so its execs, fork and end go through any of them."""
    a, b = pair.apis["api-a"], pair.apis["api-b"]
    key = signup(a)["api_key"]
    ua, ub = a.with_key(key), b.with_key(key)
    status, s = ua.request("POST", "/v1/sessions", {"idle_timeout_s": 60})
    assert status == 201, s
    sid = s["session_id"]
    status, body = ub.request("POST", f"/v1/sessions/{sid}/exec", {"code": "x = 41", "timeout": 10})
    assert status == 200 and body["exit_code"] == 0, body
    status, body = ua.request("POST", f"/v1/sessions/{sid}/exec", {"code": "x += 1\nprint(x)", "timeout": 10})
    assert status == 200 and body["stdout"] == "42\n", body
    status, f = ub.request("POST", f"/v1/sessions/{sid}/fork")
    assert status == 201, f
    status, body = ua.request("POST", f"/v1/sessions/{f['session_id']}/exec", {"code": "print(x)", "timeout": 10})
    assert status == 200 and body["stdout"] == "42\n", body
    deadline = time.time() + 10
    while ub.request("GET", f"/v1/sessions/{sid}")[1]["execs"] != 2 and time.time() < deadline:
        time.sleep(0.2)   # counted by the store consumer
    status, body = ub.request("GET", f"/v1/sessions/{sid}")
    assert status == 200 and body["execs"] == 2 and body["state"] == "open", body
    for s_id in (sid, f["session_id"]):
        status, body = ua.request("DELETE", f"/v1/sessions/{s_id}")
        assert status == 200 and body["ended_because"] == "deleted", body
    status, body = ub.request("POST", f"/v1/sessions/{sid}/exec", {"code": "print(x)", "timeout": 10})
    assert status == 404, body
