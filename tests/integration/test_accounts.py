"""Accounts, credits, async jobs and batches, idempotency, isolation between
keys, durability across an API crash, and the results topic as a pipeline
reads it (kcat)."""
import concurrent.futures
import json
import os
import signal
import subprocess
import time

import jsonschema

from conftest import TOP, Api, free_port

RESULT_SCHEMA = json.load(open(os.path.join(TOP, "schemas", "result.schema.json")))


def signup(api):
    status, body = api.request("POST", "/v1/signup", headers={"Authorization": ""})
    assert status == 201, body
    assert body["api_key"].startswith("eq_") and body["account_id"].startswith("acct_")
    return api.with_key(body["api_key"]), body


def account(api):
    status, body = api.request("GET", "/v1/account")
    assert status == 200, body
    assert body["credits_granted"] - body["credits_charged"] + body["credits_refunded"] == body["balance"]
    return body


def wait_batch(api, batch_id, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = api.request("GET", f"/v1/batches/{batch_id}?wait=30&limit=1", timeout=60)
        assert status == 200, body
        if body["completed"]:
            return body
    raise AssertionError(f"batch {batch_id} not completed in {timeout} s")


def batch_jobs(api, batch_id):
    jobs, offset = [], 0
    while offset is not None:
        status, body = api.request("GET", f"/v1/batches/{batch_id}?offset={offset}&limit=1000")
        assert status == 200, body
        jobs += body["jobs"]
        offset = body["next_offset"]
    return jobs


def test_signup_and_balance(api):
    user, body = signup(api)
    assert body["credits"] == 500
    acct = account(user)
    assert acct["balance"] == 500 and acct["runs"] == 0 and acct["account_id"] == body["account_id"]
    status, body = user.run("print('hi')")
    assert status == 200 and body["credits_used"] == 5
    assert account(user)["balance"] == 495


def test_key_is_stored_only_as_a_hash(cluster, api):
    _, body = signup(api)
    db = open(os.path.join(cluster.dir, "execq.db"), "rb").read()
    assert body["api_key"].encode() not in db
    wal = os.path.join(cluster.dir, "execq.db-wal")
    assert not os.path.exists(wal) or body["api_key"].encode() not in open(wal, "rb").read()


def test_hundred_runs_cost_exactly_500(api):
    user, _ = signup(api)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: user.run(f"print({i})"), range(100)))
    assert all(s == 200 and b["credits_used"] == 5 for s, b in answers), answers[:2]
    acct = account(user)
    assert acct["balance"] == 0 and acct["credits_charged"] == 500 and acct["runs"] == 100
    status, body = user.run("print('one more')")
    assert status == 402 and body["error"]["code"] == "insufficient_credits"
    assert account(user)["balance"] == 0


def test_four_credits_get_402_and_keep_4(cluster):
    """A second API (own store) that grants 4 credits and allows 2 signups an hour."""
    port = free_port()
    env = dict(cluster.env, EXECQ_DB_PATH=os.path.join(cluster.dir, "four.db"), EXECQ_SIGNUP_CREDITS="4",
               EXECQ_SIGNUPS_PER_HOUR="2", EXECQ_API_GROUP_ID=cluster.env["EXECQ_API_GROUP_ID"] + "-four")
    url = cluster.start_api("api-four", port=port, env=env)
    try:
        anon = Api(url, "")
        user, body = signup(anon)
        assert body["credits"] == 4
        for path, req in (("/v1/exec-python", {"code": "print(1)"}), ("/v1/jobs", {"code": "print(1)"}),
                          ("/v1/batches", {"jobs": [{"code": "print(1)"}]})):
            status, body = user.request("POST", path, req)
            assert status == 402 and body["error"]["code"] == "insufficient_credits", body
        acct = account(user)
        assert acct["balance"] == 4 and acct["credits_charged"] == 0
        signup(anon)
        status, body = anon.request("POST", "/v1/signup", headers={"Authorization": ""})
        assert status == 429 and body["error"]["code"] == "too_many_signups"
    finally:
        cluster.stop("api-four")


def test_async_job_and_wait(api):
    user, _ = signup(api)
    status, body = user.request("POST", "/v1/jobs", {"code": "import time\ntime.sleep(1)\nprint('async')"})
    assert status == 202 and body["status"] == "queued"
    job_id = body["job_id"]
    t0 = time.monotonic()
    status, body = user.request("GET", f"/v1/jobs/{job_id}?wait=20")
    took = time.monotonic() - t0
    assert status == 200 and body["job"]["status"] == "completed", body
    assert body["job"]["result"]["stdout"] == "async\n" and body["job"]["result"]["ok"] is True
    assert took < 10, took   # woken by the result, not by the 20 s deadline
    status, body = user.request("GET", f"/v1/jobs/{job_id}")
    assert body["job"]["result"]["credits_used"] == 5


def test_sync_jobs_are_queryable_too(api):
    status, body = api.run("print('sync')")
    status, job = api.request("GET", f"/v1/jobs/{body['job_id']}?wait=5")
    assert status == 200 and job["job"]["kind"] == "sync" and job["job"]["result"]["stdout"] == "sync\n"


def test_other_keys_cannot_read(api):
    alice, _ = signup(api)
    bob, _ = signup(api)
    _, body = alice.request("POST", "/v1/jobs", {"code": "print('secret')"})
    status, other = bob.request("GET", f"/v1/jobs/{body['job_id']}")
    assert status == 404 and other["error"]["code"] == "not_found"
    _, batch = alice.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}]})
    status, other = bob.request("GET", f"/v1/batches/{batch['batch_id']}")
    assert status == 404
    status, mine = alice.request("GET", f"/v1/jobs/{body['job_id']}?wait=10")
    assert status == 200


def test_idempotent_resubmission_is_charged_once(api):
    user, _ = signup(api)
    h = {"Idempotency-Key": "order-42"}
    s1, b1 = user.request("POST", "/v1/jobs", {"code": "print(42)"}, headers=h)
    s2, b2 = user.request("POST", "/v1/jobs", {"code": "print(42)"}, headers=h)
    assert s1 == s2 == 202 and b1["job_id"] == b2["job_id"]
    s3, b3 = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}] * 3}, headers={"Idempotency-Key": "b1"})
    s4, b4 = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}] * 3}, headers={"Idempotency-Key": "b1"})
    assert s3 == s4 == 202 and b3["batch_id"] == b4["batch_id"]
    assert account(user)["credits_charged"] == 5 + 15
    s5, b5 = user.request("POST", "/v1/jobs", {"code": "print(43)"}, headers=h)
    assert s5 == 422 and b5["error"]["code"] == "idempotency_key_reused"
    assert account(user)["credits_charged"] == 20
    # A sync call repeated with its key gets the first run's result, not a second run.
    code = "import random\nprint(random.random())"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(user.request, "POST", "/v1/exec-python", {"code": code}, {"Idempotency-Key": "s1"})
        time.sleep(0.2)
        second = pool.submit(user.request, "POST", "/v1/exec-python", {"code": code}, {"Idempotency-Key": "s1"})
        (s6, b6), (s7, b7) = first.result(), second.result()
    s8, b8 = user.request("POST", "/v1/exec-python", {"code": code}, headers={"Idempotency-Key": "s1"})
    assert s6 == s7 == s8 == 200, (b6, b7, b8)
    assert b6["job_id"] == b7["job_id"] == b8["job_id"] and b6["stdout"] == b7["stdout"] == b8["stdout"]
    assert account(user)["credits_charged"] == 25


def test_bad_batches_cost_nothing(api):
    user, _ = signup(api)
    for body in ({"jobs": []}, {"jobs": "x"}, {"jobs": [{"code": "print(1)"}, {"code": 5}]}, {}):
        status, err = user.request("POST", "/v1/batches", body)
        assert status == 400, err
    status, err = user.request("POST", "/v1/batches", {"jobs": [{"code": "1"}] * 1001})
    assert status == 413
    assert account(user)["credits_charged"] == 0


def test_batch_of_1000(cluster, api):
    before = account(api)
    status, body = api.request("POST", "/v1/batches", {"jobs": [{"code": f"print({i} * {i})"} for i in range(1000)]})
    assert status == 202 and body["size"] == 1000 and len(body["job_ids"]) == 1000
    batch_id, ids = body["batch_id"], body["job_ids"]
    done = wait_batch(api, batch_id, timeout=300)
    assert done["counts"]["completed"] == 1000
    jobs = batch_jobs(api, batch_id)
    assert [j["job_id"] for j in jobs] == ids
    assert [j["result"]["stdout"] for j in jobs] == [f"{i * i}\n" for i in range(1000)]
    after = account(api)
    assert after["credits_charged"] - before["credits_charged"] == 5000
    assert before["balance"] - after["balance"] == 5000
    # A data pipeline reads the same results from Kafka.
    out = subprocess.run(["kcat", "-C", "-b", cluster.brokers, "-t", cluster.results_topic, "-o", "beginning",
                          "-e", "-q", "-J"], capture_output=True, text=True, timeout=120, check=True).stdout
    seen = {}
    for line in out.splitlines():
        m = json.loads(line)
        h = m.get("headers") or []
        headers = dict(zip(h[0::2], h[1::2]))
        if headers.get("message-type") != "result":
            continue
        v = json.loads(m["payload"])
        if v.get("batch_id") == batch_id:
            jsonschema.validate(v, RESULT_SCHEMA)
            assert headers["job-kind"] == "async" and headers["schema-version"] == "1"
            assert v["account"] == "demo" and "demo_key" not in m["payload"]
            seen[v["job_id"]] = v
    assert set(seen) == set(ids)


def test_api_killed_mid_batch_loses_nothing(cluster, api):
    status, body = api.request("POST", "/v1/batches",
                               {"jobs": [{"code": f"import time\ntime.sleep(0.05)\nprint({i})"} for i in range(100)]})
    assert status == 202
    batch_id = body["batch_id"]
    cluster.procs["api"].send_signal(signal.SIGKILL)
    cluster.procs.pop("api").wait()
    time.sleep(3)   # results keep arriving on Kafka while the API is down
    cluster.url = cluster.start_api("api")
    done = wait_batch(api, batch_id, timeout=240)
    assert done["counts"]["completed"] == 100
    jobs = batch_jobs(api, batch_id)
    assert sorted(j["result"]["stdout"] for j in jobs) == sorted(f"{i}\n" for i in range(100))
