"""Tenancy (issue 15): fair scheduling between accounts and per-account
limits on async and batch work. Counts are asserted, never times."""
import time

from test_accounts import signup
from test_hygiene import extra_api


def batch(user, n, code):
    status, body = user.request("POST", "/v1/batches", {"jobs": [{"code": code} for _ in range(n)]})
    assert status == 202, body
    return body["batch_id"]


def counts(user, batch_id):
    status, body = user.request("GET", f"/v1/batches/{batch_id}?limit=1")
    assert status == 200, body
    return body["counts"]


def test_a_small_batch_is_not_stuck_behind_another_accounts_large_one(cluster, api):
    """A's 100-job batch, then B's 4-job batch: B's completes while most of
    A's is still to run (A has at most --account-max-queued, 32, jobs in
    Kafka ahead of B's). Before: B's jobs queued behind all of A's and
    completed with A's last ones."""
    a, _ = signup(api)
    b, _ = signup(api)
    code = "import time\ntime.sleep(0.1)"
    batch_a = batch(a, 100, code)
    time.sleep(0.3)
    batch_b = batch(b, 4, code)
    deadline = time.time() + 120
    while counts(b, batch_b)["completed"] < 4:
        assert time.time() < deadline
        time.sleep(0.05)
    a_done = counts(a, batch_a)["completed"]
    print(f"\nFAIRNESS: B's 4-job batch completed when A had {a_done} of 100 done")
    assert a_done <= 60, a_done
    # A's batch still completes, every job once.
    status, done = a.request("GET", f"/v1/batches/{batch_a}?wait=30&limit=100", timeout=60)
    while not done["completed"]:
        status, done = a.request("GET", f"/v1/batches/{batch_a}?wait=30&limit=100", timeout=60)
    assert len(done["jobs"]) == 100 and all(j["result"]["exit_code"] == 0 for j in done["jobs"])


def test_unfinished_jobs_per_account_are_capped_with_429(cluster):
    api, _ = extra_api(cluster, "api-open", "--account-max-open=5", "--account-max-queued=2")
    user, _ = signup(api)
    before = user.request("GET", "/v1/account")[1]["balance"]
    status, body = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}] * 6})
    assert status == 429 and body["error"]["code"] == "too_many_jobs", body
    assert user.request("GET", "/v1/account")[1]["balance"] == before   # nothing charged
    slow = "import time\ntime.sleep(1)"
    batch_id = batch(user, 5, slow)
    status, body = user.request("POST", "/v1/jobs", {"code": "print(2)"})
    assert status == 429 and body["error"]["code"] == "too_many_jobs", body
    # Held jobs are queued jobs to the caller; all five still run, two at a time.
    c = counts(user, batch_id)
    assert c["queued"] + c["running"] + c["completed"] == 5
    status, done = user.request("GET", f"/v1/batches/{batch_id}?wait=30&limit=10", timeout=60)
    while not done["completed"]:
        status, done = user.request("GET", f"/v1/batches/{batch_id}?wait=30&limit=10", timeout=60)
    assert [j["result"]["exit_code"] for j in done["jobs"]] == [0] * 5
    # Room again.
    status, body = user.request("POST", "/v1/jobs", {"code": "print(3)"})
    assert status == 202, body
    cluster.stop("api-open")
