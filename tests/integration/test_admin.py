"""The operator's admin API (issue 15, point 1) and a user's own key
rotation: tokens wrong or missing, grants (idempotent), key rotation with
a grace period and revocation, suspension, listing, usage, and the audit
rows each change leaves."""
import concurrent.futures
import os
import sqlite3
import time

from conftest import ADMIN_TOKEN
from test_accounts import signup
from test_hygiene import extra_api


def admin(api, token=ADMIN_TOKEN):
    return api.with_key(token)


def test_no_token_configured_means_no_admin_api(cluster):
    env = {k: v for k, v in cluster.env.items() if k != "EXECQ_ADMIN_TOKEN"}
    api, _ = extra_api(cluster, "api-noadmin", env=env)
    for key in ("anything", ADMIN_TOKEN, ""):
        status, body = api.with_key(key).request("GET", "/v1/admin/accounts")
        assert status == 404 and body["error"]["code"] == "not_found", body
    cluster.stop("api-noadmin")


def test_admin_needs_the_operator_token_and_never_a_user_key(cluster, api):
    user, _ = signup(api)
    for who in (api.with_key("wrong-token-wrong-token"), user, api, api.with_key("")):
        status, body = who.request("GET", "/v1/admin/accounts")
        assert status == 401 and body["error"]["code"] == "unauthorized", body
    status, body = admin(api).request("GET", "/v1/admin/accounts?limit=1")
    assert status == 200 and len(body["accounts"]) == 1 and body["next_offset"] == 1, body


def audit_rows(cluster, account):
    db = sqlite3.connect(cluster.env["EXECQ_DB_PATH"])
    try:
        return db.execute("SELECT actor, action, reason FROM audit WHERE account = ? ORDER BY at_ms",
                          (account,)).fetchall()
    finally:
        db.close()


def test_grant_credits_idempotently_with_a_reason(cluster, api):
    user, acct = signup(api)
    aid = acct["account_id"]
    op = admin(api)
    path = f"/v1/admin/accounts/{aid}/credits"
    status, body = op.request("POST", path, {"credits": 10000, "reason": "invoice 42 paid"},
                              headers={"Idempotency-Key": "pay-42"})
    assert status == 200 and body["balance"] == 10500 and body["credits_granted"] == 10000, body
    # The payment system retries: granted once.
    status, again = op.request("POST", path, {"credits": 10000, "reason": "invoice 42 paid"},
                               headers={"Idempotency-Key": "pay-42"})
    assert status == 200 and again == body
    assert user.request("GET", "/v1/account")[1]["balance"] == 10500
    status, body = op.request("POST", path, {"credits": 5, "reason": "x"}, headers={"Idempotency-Key": "pay-42"})
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    for bad in ({"credits": 10}, {"credits": 0, "reason": "r"}, {"credits": 1.5, "reason": "r"},
                {"credits": "10", "reason": "r"}, {"credits": 10, "reason": ""}):
        status, body = op.request("POST", path, bad)
        assert status == 400 and body["error"]["code"] == "invalid_request", (bad, body)
    status, body = op.request("POST", "/v1/admin/accounts/acct_nobody/credits", {"credits": 1, "reason": "r"})
    assert status == 404
    status, body = op.request("GET", path)
    assert status == 405
    assert user.request("GET", "/v1/account")[1]["credits_granted"] == 10500
    rows = audit_rows(cluster, aid)
    assert len(rows) == 1 and rows[0][0].startswith("admin@") and rows[0][1:] == ("grant", "invoice 42 paid")


def test_rotate_with_grace_revoke_suspend_and_reinstate(cluster, api):
    user, acct = signup(api)
    aid = acct["account_id"]
    op = admin(api)
    # Rotation with a grace period: both keys work until the old one expires.
    status, rot = op.request("POST", f"/v1/admin/accounts/{aid}/keys", {"grace_s": 600, "reason": "yearly rotation"})
    assert status == 201 and rot["api_key"].startswith("eq_") and rot["api_key"] != user.key, rot
    new = api.with_key(rot["api_key"])
    assert user.request("GET", "/v1/account")[0] == 200 and new.request("GET", "/v1/account")[0] == 200
    status, info = op.request("GET", f"/v1/admin/accounts/{aid}")
    assert status == 200 and len(info["keys"]) == 2, info
    assert sorted(k["expires_at_ms"] is None for k in info["keys"]) == [False, True]
    # Without grace the old one stops at once.
    status, rot2 = op.request("POST", f"/v1/admin/accounts/{aid}/keys", {"grace_s": 0, "reason": "leaked"})
    assert status == 201
    newer = api.with_key(rot2["api_key"])
    for old in (user, new):
        status, body = old.request("GET", "/v1/account")
        assert status == 401, body
    assert newer.request("GET", "/v1/account")[0] == 200
    # Suspension: every call 403 with its own code, and the reason.
    status, body = op.request("POST", f"/v1/admin/accounts/{aid}/suspend", {"reason": "abuse report 7"})
    assert status == 200 and body["suspended"] == "abuse report 7"
    for method, path, payload in (("GET", "/v1/account", None), ("POST", "/v1/exec-python", {"code": "print(1)"}),
                                  ("POST", "/v1/jobs", {"code": "print(1)"})):
        status, body = newer.request(method, path, payload)
        assert status == 403 and body["error"]["code"] == "account_suspended", body
        assert "abuse report 7" in body["error"]["message"]
    status, info = op.request("GET", f"/v1/admin/accounts/{aid}")
    assert info["suspended"] == "abuse report 7"
    status, body = op.request("POST", f"/v1/admin/accounts/{aid}/reinstate", {"reason": "resolved"})
    assert status == 200 and body["suspended"] is None
    status, body = newer.run("print('back')")
    assert status == 200 and body["stdout"] == "back\n"
    # Revocation: no key works until a new one is made.
    status, _ = op.request("POST", f"/v1/admin/accounts/{aid}/keys/revoke", {"reason": "account closed"})
    assert status == 200
    assert newer.request("GET", "/v1/account")[0] == 401
    actions = [r[1] for r in audit_rows(cluster, aid)]
    assert actions == ["new key", "expire keys", "new key", "expire keys", "suspend", "reinstate", "expire keys"], actions
    # The same, newest first, through the API.
    status, body = op.request("GET", f"/v1/admin/accounts/{aid}/audit?limit=3")
    assert status == 200 and [r["action"] for r in body["audit"]] == ["expire keys", "reinstate", "suspend"], body
    assert body["audit"][0]["reason"] == "account closed" and body["audit"][0]["actor"].startswith("admin@")
    assert op.request("GET", f"/v1/admin/accounts/{aid}/audit?limit=0")[0] == 400


def test_users_rotate_their_own_key(cluster, api):
    user, acct = signup(api)
    status, rot = user.request("POST", "/v1/keys/rotate", {"grace_s": 0})
    assert status == 201 and rot["account_id"] == acct["account_id"], rot
    assert user.request("GET", "/v1/account")[0] == 401
    new = api.with_key(rot["api_key"])
    status, body = new.request("GET", "/v1/account")
    assert status == 200 and body["balance"] == 500
    # The default grace keeps the old key an hour.
    status, rot2 = new.request("POST", "/v1/keys/rotate")
    assert status == 201 and rot2["old_keys_expire_at_ms"] > 0
    assert new.request("GET", "/v1/account")[0] == 200
    status, body = new.request("POST", "/v1/keys/rotate", {"grace_s": -1})
    assert status == 400


def test_list_search_and_daily_usage(cluster, api):
    user, acct = signup(api)
    aid = acct["account_id"]
    assert user.run("print(sum(range(10**6)))")[0] == 200
    op = admin(api)
    status, body = op.request("GET", f"/v1/admin/accounts?q={aid[5:13]}")
    assert status == 200 and [a["account_id"] for a in body["accounts"]] == [aid], body
    assert body["accounts"][0]["balance"] == 495 and body["accounts"][0]["suspended"] is None
    status, body = op.request("GET", f"/v1/admin/accounts/{aid}/usage?days=7")
    assert status == 200 and len(body["days"]) == 1, body
    day = body["days"][0]
    assert day["runs"] == 1 and day["credits_charged"] == 5 and day["credits_refunded"] == 0, day
    assert day["cpu_time_ms"] >= 0
    status, body = op.request("GET", f"/v1/admin/accounts/{aid}/usage?days=0")
    assert status == 400
    status, body = op.request("GET", "/v1/admin/accounts/acct_nobody")
    assert status == 404
    status, body = op.request("GET", "/v1/admin/nothing")
    assert status == 404


def test_one_account_cannot_hold_every_waiting_sync_call(cluster):
    """--account-max-sync: past that many sync calls of one account waiting
    at once, the next is 429 too_many_jobs, uncharged;
    another account is not held up; once one answers, the account may call
    again (before: one account could fill all of --max-pending)."""
    api, _ = extra_api(cluster, "api-maxsync", "--account-max-sync=2")
    st, other = api.request("POST", "/v1/signup")
    assert st == 201, other
    other = api.with_key(other["api_key"])
    before = api.request("GET", "/v1/account")[1]["balance"]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        slow = [pool.submit(api.run, "import time\ntime.sleep(3)\nprint('slept')") for _ in range(2)]
        time.sleep(1.0)   # both waiting
        st, body = api.run("print('third')")
        assert st == 429 and body["error"]["code"] == "too_many_jobs", body
        st2, body2 = other.run("print('other account')")
        assert st2 == 200 and body2["stdout"] == "other account\n", body2
        assert all(f.result()[0] == 200 for f in slow)
    assert api.request("GET", "/v1/account")[1]["balance"] == before - 2 * 5   # the refusal cost nothing
    st, body = api.run("print('again')")
    assert st == 200 and body["stdout"] == "again\n", body
    cluster.stop("api-maxsync")
