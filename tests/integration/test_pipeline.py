"""The pipeline as a whole: messages on Kafka valid against the schemas,
jobs spread over two executors, concurrency, and sync calls that never hang."""
import concurrent.futures
import json
import os
import subprocess
import time

import jsonschema

from conftest import TOP, Api, free_port

SCHEMAS = {n: json.load(open(os.path.join(TOP, "schemas", f"{n}.schema.json"))) for n in ("job", "result")}


def consume(cluster, topic, raw=False):
    """Reads the whole topic with kcat, as a data pipeline would (raw: the
    payloads as kcat gives them, tombstones as None)."""
    out = subprocess.run(["kcat", "-C", "-b", cluster.brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    msgs = []
    for line in out.splitlines():
        m = json.loads(line)
        h = m.get("headers") or []
        m["headers"] = dict(zip(h[0::2], h[1::2]))
        m["value"] = json.loads(m["payload"]) if m["payload"] is not None and not raw else None
        msgs.append(m)
    return msgs


def test_messages_match_schemas(cluster, api):
    status, body = api.run("print('schema')")
    assert status == 200
    jid = body["job_id"]
    jobs = [m for m in consume(cluster, cluster.jobs_topic) if m["key"] == jid]
    results = [m for m in consume(cluster, cluster.results_topic) if m["key"] == jid]
    assert len(jobs) == 1 and len(results) >= 1
    jsonschema.validate(jobs[0]["value"], SCHEMAS["job"])
    jsonschema.validate(results[0]["value"], SCHEMAS["result"])
    assert jobs[0]["headers"]["correlation-id"] == jid
    assert jobs[0]["headers"]["reply-to"] == cluster.results_topic
    assert results[0]["headers"]["correlation-id"] == jid
    assert results[0]["headers"]["message-type"] == "result"
    assert results[0]["value"]["stdout"] == "schema\n"
    assert "demo_key_slopshop" not in json.dumps(jobs[0]) + json.dumps(results[0])


def test_schema_rejects_a_broken_result():
    bad = {"schema_version": 1, "job_id": "nope", "status": "completed"}
    try:
        jsonschema.validate(bad, SCHEMAS["result"])
        raise AssertionError("schema accepted a broken result")
    except jsonschema.ValidationError:
        pass


def test_two_executors_share_the_work(cluster, api):
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: api.run(f"import time\ntime.sleep(0.2)\nprint({i})"), range(32)))
    ids = set()
    for i, (status, body) in enumerate(answers):
        assert status == 200 and body["stdout"] == f"{i}\n", body
        ids.add(body["job_id"])
    executors = {m["value"]["executor"] for m in consume(cluster, cluster.results_topic) if m["key"] in ids}
    assert len(executors) == 2, executors


def test_concurrent_calls_all_answer(api):
    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(lambda i: api.run(f"print({i} * 2)"), range(64)))
    assert [s for s, _ in answers] == [200] * 64, [b for s, b in answers if s != 200][:3]
    assert [b["stdout"] for _, b in answers] == [f"{i * 2}\n" for i in range(64)]


def test_sync_call_without_executor_ends_with_504(cluster):
    """An API whose jobs topic nobody consumes: the call ends shortly after
    timeout + grace, with a clear error, instead of hanging."""
    port = free_port()
    env = dict(cluster.env, EXECQ_JOBS_TOPIC=f"{cluster.jobs_topic}.orphan")
    cluster.start("api-orphan", [os.path.join(TOP, "build", "execq-api"), f"--port={port}",
                                 "--sync-grace-ms=500"], env=env)
    try:
        url = None
        for _ in range(150):
            try:
                import urllib.request
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        url = f"http://127.0.0.1:{port}"
                        break
            except OSError:
                time.sleep(0.2)
        assert url
        t0 = time.monotonic()
        status, body = Api(url, "demo_key_slopshop").run("print(1)", timeout=1)
        took = time.monotonic() - t0
        assert status == 504 and body["error"]["code"] == "no_result"
        assert 1.4 <= took <= 3.0, took
    finally:
        cluster.stop("api-orphan")


def test_api_refuses_to_start_without_kafka(cluster):
    dead = free_port()
    p = subprocess.run([os.path.join(TOP, "build", "execq-api"), f"--port={free_port()}"],
                       env=dict(cluster.env, EXECQ_BROKERS=f"127.0.0.1:{dead}"),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "cannot start" in p.stderr


def test_executor_killed_mid_job_loses_nothing(cluster, api):
    """At-least-once: jobs running on an executor killed with SIGKILL are
    redelivered (their offsets were never committed) and run by the other;
    the restarted executor removes the cgroups the dead one left."""
    from conftest import SANDBOX_UID_BASES
    code = "import time\ntime.sleep(1.5)\nprint({i})"
    status, body = api.request("POST", "/v1/batches", {"jobs": [{"code": code.format(i=i)} for i in range(12)]})
    assert status == 202
    batch = body["batch_id"]
    time.sleep(1.0)   # both executors are running jobs of the batch
    victim = cluster.procs.pop("executor-1")
    victim.kill()
    victim.wait()
    try:
        deadline = time.time() + 120
        done = None
        while time.time() < deadline:
            status, done = api.request("GET", f"/v1/batches/{batch}?wait=30&limit=100", timeout=60)
            if done["completed"]:
                break
        assert done and done["completed"], done
        assert sorted(j["result"]["stdout"] for j in done["jobs"]) == sorted(f"{i}\n" for i in range(12))
        assert all(j["result"]["exit_code"] == 0 for j in done["jobs"])
    finally:
        time.sleep(1)   # the dead executor's sandboxes die with it (PDEATHSIG)
        cluster.start_executor("executor-1", SANDBOX_UID_BASES[0])
        deadline = time.time() + 60
        while time.time() < deadline and "sandbox ready" not in cluster.log("executor-1"):
            time.sleep(0.2)
    assert "left by executors that are gone" in cluster.log("executor-1")
    status, body = api.run("print('after the crash')")
    assert status == 200 and body["stdout"] == "after the crash\n"


def test_a_job_fetched_twice_runs_once(cluster, api):
    """A second copy of a running job on its executor (Kafka's redelivery
    after a lost offset commit, or the API sending it again) waits for the
    first's outcome instead of running beside it in another slot (before:
    both ran, the copy took a slot for the job's whole run, and a second
    result reached the results topic). The copy here is the job's own
    message produced again to its partition while the job runs."""
    import uuid
    marker = uuid.uuid4().hex
    cluster.wait_group_settled()   # no partition moving under the job (its new owner would run it again)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        call = pool.submit(api.run, f"import time\ntime.sleep(4)\nprint('{marker}')")
        deadline, msg = time.time() + 20, None
        while time.time() < deadline and not msg:
            msg = next((m for m in consume(cluster, cluster.jobs_topic, raw=True) if marker in (m["payload"] or "")),
                       None)
        assert msg and "\n" not in msg["payload"]
        jid = msg["key"]
        time.sleep(1)   # running now
        argv = ["kcat", "-P", "-b", cluster.brokers, "-t", cluster.jobs_topic, "-p", str(msg["partition"]), "-k", jid]
        for k, v in msg["headers"].items():
            argv += ["-H", f"{k}={v}"]
        subprocess.run(argv, input=msg["payload"], text=True, timeout=30, check=True)
        status, body = call.result(timeout=60)
    assert status == 200 and body["stdout"] == f"{marker}\n", body
    logs = lambda: cluster.log("executor-1") + cluster.log("executor-2")
    runs = lambda: [line for line in logs().splitlines() if f"job={jid} slot=" in line and "outcome=" in line]
    deadline = time.time() + 20
    while time.time() < deadline and f"job={jid} fetched again" not in logs() and len(runs()) < 2:
        time.sleep(0.2)
    assert f"job={jid} fetched again while its first copy runs here; not run again" in logs(), logs()[-3000:]
    time.sleep(1)
    assert len(runs()) == 1, "\n".join(line for line in logs().splitlines() if jid in line)
    results = [m for m in consume(cluster, cluster.results_topic) if m["key"] == jid
               and m["headers"].get("message-type") == "result"]
    assert len(results) == 1, results


def test_sync_calls_go_before_a_running_batch(cluster, api):
    """Sync calls are a lane of their own: with a batch of 120 jobs queued
    ahead (about 9 s of work for both executors), each sync call is answered
    while the batch is still far from done, never after it (before: jobs
    were served in arrival order, and a sync call waited for the batch)."""
    import time
    status, body = api.request("POST", "/v1/batches",
                               {"jobs": [{"code": "import time\ntime.sleep(0.3)"} for _ in range(120)]})
    assert status == 202, body
    batch = body["batch_id"]
    waits = []
    for i in range(5):
        t0 = time.time()
        status, res = api.run(f"print({i})")
        waits.append(time.time() - t0)
        assert status == 200 and res["stdout"] == f"{i}\n", res
        status, b = api.request("GET", f"/v1/batches/{batch}?limit=1")
        assert b["counts"]["completed"] < 100, ("the sync call waited for the batch", b["counts"])
    status, b = api.request("GET", f"/v1/batches/{batch}?wait=30&limit=1", timeout=60)
    while b["counts"]["completed"] < 120:
        status, b = api.request("GET", f"/v1/batches/{batch}?wait=30&limit=1", timeout=60)
    print(f"\nsync calls during a 120-job batch: {', '.join(f'{w * 1000:.0f}' for w in waits)} ms")


def test_a_job_whose_result_never_comes_ends_lost_and_refunded(cluster):
    """Reconciliation: an async job accepted by an API whose batch topic no
    executor reads never gets a result. Once its deadline plus
    --lost-after-ms has passed it ends failed ("lost") and refunded, instead
    of staying queued for ever (before: it did)."""
    env = dict(cluster.env, EXECQ_JOBS_TOPIC=f"{cluster.jobs_topic}.nobody")
    # A short async deadline is not configurable; a sync job's is its
    # timeout plus the grace, so submit sync and let the call give up first.
    url = cluster.start_api("api-lost", port=free_port(), extra=("--sync-grace-ms=500", "--lost-after-ms=1000"),
                            env=env)
    try:
        # An account of its own: the demo account's balance moves with other tests' refunds.
        status, su = Api(url, "").request("POST", "/v1/signup", {})
        assert status == 201, su
        api = Api(url, su["api_key"])
        before = api.request("GET", "/v1/account")[1]["balance"]
        status, body = api.run("print(1)", timeout=1)
        assert status == 504 and body["error"]["code"] == "no_result", body
        jid = body["job_id"]
        deadline = time.time() + 30
        while time.time() < deadline:
            status, j = api.request("GET", f"/v1/jobs/{jid}?wait=5", timeout=20)
            if j["job"]["status"] == "completed":
                break
        assert j["job"]["status"] == "completed", j
        assert j["job"]["result"]["error"]["code"] == "lost", j
        assert api.request("GET", "/v1/account")[1]["balance"] == before, "the lost job was not refunded"
    finally:
        cluster.stop("api-lost")


def test_kafka_properties_pass_through(cluster):
    """-X and EXECQ_KAFKA_<PROPERTY> reach librdkafka: a property it does
    not know stops the start, named; a good one is taken."""
    p = subprocess.run([os.path.join(TOP, "build", "execq-api"), f"--port={free_port()}", "-X", "no.such.property=1"],
                       env=cluster.env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "no.such.property" in p.stderr, p.stderr
    env = dict(cluster.env, EXECQ_KAFKA_NO_SUCH_THING="x")
    p = subprocess.run([os.path.join(TOP, "build", "execq-api"), f"--port={free_port()}"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "no.such.thing" in p.stderr, p.stderr
    port = free_port()
    url = cluster.start_api("api-props", port=port, extra=("-X", "client.id=execq-props-test",
                                                            "-Xsocket.keepalive.enable=true"))
    try:
        status, body = Api(url, "demo_key_slopshop").run("print('props')")
        assert status == 200 and body["stdout"] == "props\n"
    finally:
        cluster.stop("api-props")
