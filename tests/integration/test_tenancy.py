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


def test_requests_per_second_per_account(cluster):
    api, _ = extra_api(cluster, "api-rate", "--account-requests-per-s=2")
    user, _ = signup(api)
    answers = [user.request("GET", "/v1/account") for _ in range(8)]
    limited = [body for status, body in answers if status == 429]
    assert 1 <= len(limited) <= 5, [s for s, _ in answers]   # a burst of 4, then 2 a second
    assert all(b["error"]["code"] == "rate_limited" for b in limited)
    # Another account has a bucket of its own.
    other, _ = signup(api)
    assert other.request("GET", "/v1/account")[0] == 200
    cluster.stop("api-rate")


def test_an_operators_per_account_limits_override_the_defaults(cluster, api):
    from conftest import ADMIN_TOKEN
    user, acct = signup(api)
    op = api.with_key(ADMIN_TOKEN)
    path = f"/v1/admin/accounts/{acct['account_id']}/limits"
    status, body = op.request("POST", path, {"max_batch_jobs": 2, "max_open": 3, "reason": "trial account"})
    assert status == 200 and body["limits"]["max_batch_jobs"] == 2 and body["limits"]["requests_per_s"] is None, body
    status, body = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"}] * 3})
    assert status == 413 and "at most 2" in body["error"]["message"], body
    slow = {"code": "import time\ntime.sleep(2)"}
    assert user.request("POST", "/v1/batches", {"jobs": [slow, slow]})[0] == 202
    status, body = user.request("POST", "/v1/batches", {"jobs": [slow, slow]})
    assert status == 429 and body["error"]["code"] == "too_many_jobs", body
    # Back to the defaults.
    status, body = op.request("POST", path, {"max_batch_jobs": None, "max_open": None, "reason": "paid"})
    assert status == 200 and body["limits"]["max_open"] is None
    status, body = op.request("GET", f"/v1/admin/accounts/{acct['account_id']}")
    assert body["limits"]["max_batch_jobs"] is None and body["default_limits"]["max_open"] == 10000
    assert user.request("POST", "/v1/batches", {"jobs": [slow, slow]})[0] == 202
    status, body = op.request("POST", path, {"max_open": -1, "reason": "x"})
    assert status == 400
