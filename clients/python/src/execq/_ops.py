"""The request of each API operation (docs/openapi.json's operationId in
each comment), shared by Client and AsyncClient."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote

from ._core import Call, idempotency_key, sync_timeout
from .models import (JSON, Account, BatchAccepted, BatchPage, CancelAnswer, Delivery, Env, Job, JobAccepted, KeyIssued,
                     Result, SessionInfo, Signup, WebhookSettings)


def _q(s: str) -> str:
    if not isinstance(s, str) or not s:
        raise ValueError("an id must be a non-empty str")
    return quote(s, safe="")


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def exec_python(body: JSON, base_timeout: float, key: Optional[str]) -> Call:   # execPython
    return Call("POST", "/v1/exec-python", Result.from_json, json=body,
                headers={"Idempotency-Key": key or idempotency_key()}, timeout=sync_timeout(base_timeout, body),
                replayable=True)


def submit(body: JSON, key: Optional[str]) -> Call:   # submitJob
    return Call("POST", "/v1/jobs", lambda d: JobAccepted(d["job_id"], d["status"], int(d["credits_charged"])),
                json=body, headers={"Idempotency-Key": key or idempotency_key()}, replayable=True)


def get(job_id: str, wait: Optional[int], base_timeout: float) -> Call:   # getJob
    return Call("GET", f"/v1/jobs/{_q(job_id)}", lambda d: Job.from_json(d["job"]),
                params=_drop_none({"wait": wait}), timeout=base_timeout + (wait or 0), replayable=True)


def cancel(job_id: str) -> Call:   # cancelJob
    return Call("POST", f"/v1/jobs/{_q(job_id)}/cancel",
                lambda d: CancelAnswer(d["job_id"], d["status"], d.get("note", "")), replayable=True)


def follow(job_id: str, last_event_id: Optional[str]) -> Call:   # followJob
    h = {"Accept": "text/event-stream"}
    if last_event_id:
        h["Last-Event-ID"] = last_event_id
    return Call("GET", f"/v1/jobs/{_q(job_id)}/events", lambda d: d, headers=h, replayable=True)


def submit_batch(jobs: List[JSON], env: Optional[str], key: Optional[str],
                 callback: Optional[JSON] = None) -> Call:   # submitBatch
    body: JSON = {"jobs": jobs}
    if env is not None:
        body["env"] = env
    body.update(callback or {})
    return Call("POST", "/v1/batches",
                lambda d: BatchAccepted(d["batch_id"], int(d["size"]), int(d["credits_charged"]), list(d["job_ids"])),
                json=body, headers={"Idempotency-Key": key or idempotency_key()}, replayable=True)


def get_batch(batch_id: str, offset: int, limit: int, wait: Optional[int], base_timeout: float) -> Call:   # getBatch
    return Call("GET", f"/v1/batches/{_q(batch_id)}", BatchPage.from_json,
                params=_drop_none({"offset": offset, "limit": limit, "wait": wait}),
                timeout=base_timeout + (wait or 0), replayable=True)


def signup() -> Call:   # signup
    return Call("POST", "/v1/signup", lambda d: Signup(d["account_id"], d["api_key"], int(d["credits"])), auth="none")


def account() -> Call:   # getAccount
    return Call("GET", "/v1/account", Account.from_json, replayable=True)


def envs() -> Call:   # listEnvs
    return Call("GET", "/v1/envs", lambda d: [Env.from_json(e) for e in d["envs"]], replayable=True)


def health() -> Call:   # health: 503 is an answer too (the same fields)
    return Call("GET", "/healthz", lambda d: d, auth="none", replayable=True, ok_statuses=(200, 503))


def metrics() -> Call:   # metrics
    return Call("GET", "/metrics", lambda d: d, auth="none", replayable=True, raw_text=True)


def openapi() -> Call:   # openapi
    return Call("GET", "/openapi.json", lambda d: d, auth="none", replayable=True)


def rotate_key(grace_s: Optional[int]) -> Call:   # rotateOwnKey
    return Call("POST", "/v1/keys/rotate",
                lambda d: KeyIssued(d["account_id"], d["api_key"], d.get("old_keys_expire_at_ms")),
                json=_drop_none({"grace_s": grace_s}))


def create_session(body: JSON) -> Call:   # createSession
    return Call("POST", "/v1/sessions", SessionInfo.from_json, json=body, timeout=None)


def sessions() -> Call:   # listSessions
    return Call("GET", "/v1/sessions", lambda d: [SessionInfo.from_json(s) for s in d["sessions"]], replayable=True)


def get_session(session_id: str) -> Call:   # getSession
    return Call("GET", f"/v1/sessions/{_q(session_id)}", SessionInfo.from_json, replayable=True)


def delete_session(session_id: str) -> Call:   # deleteSession
    return Call("DELETE", f"/v1/sessions/{_q(session_id)}", SessionInfo.from_json, replayable=True)


def session_exec(session_id: str, body: JSON, base_timeout: float) -> Call:   # execSession
    return Call("POST", f"/v1/sessions/{_q(session_id)}/exec", Result.from_json, json=body,
                timeout=sync_timeout(base_timeout, body))


def fork_session(session_id: str) -> Call:   # forkSession
    return Call("POST", f"/v1/sessions/{_q(session_id)}/fork", SessionInfo.from_json)


# -- admin (the operator token) ----------------------------------------------

def _admin(method: str, path: str, json: Optional[JSON] = None, params: Optional[Dict[str, Any]] = None,
           headers: Optional[Dict[str, str]] = None) -> Call:
    return Call(method, "/v1/admin/accounts" + path, lambda d: d, json=json, params=_drop_none(params or {}),
                headers=headers or {}, auth="admin", replayable=method == "GET" or bool(headers))


def admin_accounts(q: Optional[str], offset: Optional[int], limit: Optional[int]) -> Call:   # adminListAccounts
    return _admin("GET", "", params={"q": q, "offset": offset, "limit": limit})


def admin_account(account_id: str) -> Call:   # adminGetAccount
    return _admin("GET", f"/{_q(account_id)}")


def admin_usage(account_id: str, days: Optional[int]) -> Call:   # adminUsage
    return _admin("GET", f"/{_q(account_id)}/usage", params={"days": days})


def admin_audit(account_id: str, limit: Optional[int]) -> Call:   # adminAudit
    return _admin("GET", f"/{_q(account_id)}/audit", params={"limit": limit})


def admin_grant(account_id: str, credits: int, reason: str, key: Optional[str]) -> Call:   # adminGrant
    return _admin("POST", f"/{_q(account_id)}/credits", json={"credits": credits, "reason": reason},
                  headers={"Idempotency-Key": key or idempotency_key()})


def admin_new_key(account_id: str, reason: str, grace_s: Optional[int]) -> Call:   # adminNewKey
    return _admin("POST", f"/{_q(account_id)}/keys", json=_drop_none({"reason": reason, "grace_s": grace_s}))


def admin_change(account_id: str, action: str, reason: str) -> Call:   # adminRevoke, adminSuspend, adminReinstate
    return _admin("POST", f"/{_q(account_id)}/{action}", json={"reason": reason})


def admin_limits(account_id: str, reason: str, limits: Dict[str, Optional[int]]) -> Call:   # adminLimits
    return _admin("POST", f"/{_q(account_id)}/limits", json=dict(limits, reason=reason))


def callback_fields(url: Optional[str], events: Optional[Sequence[str]]) -> JSON:
    """A job's or batch's callback_url and callback_events (docs/webhooks.md)."""
    if url is None and events is not None:
        raise ValueError("callback_events needs a callback_url")
    return _drop_none({"callback_url": url, "callback_events": list(events) if events is not None else None})


# -- webhooks ------------------------------------------------------------------
def get_webhook() -> Call:   # getWebhook
    return Call("GET", "/v1/webhooks", WebhookSettings.from_json, replayable=True)


def set_webhook(url: str, events: Optional[List[str]]) -> Call:   # setWebhook
    return Call("POST", "/v1/webhooks", WebhookSettings.from_json,
                json=_drop_none({"url": url, "events": list(events) if events is not None else None}), replayable=True)


def delete_webhook() -> Call:   # deleteWebhook
    return Call("DELETE", "/v1/webhooks", WebhookSettings.from_json, replayable=True)


def rotate_webhook_secret(grace_s: Optional[int]) -> Call:   # rotateWebhookSecret
    return Call("POST", "/v1/webhooks/rotate", WebhookSettings.from_json, json=_drop_none({"grace_s": grace_s}))


def deliveries(state: Optional[str], subject: Optional[str], limit: Optional[int]) -> Call:   # listDeliveries
    return Call("GET", "/v1/webhooks/deliveries", lambda d: [Delivery.from_json(x) for x in d["deliveries"]],
                params=_drop_none({"state": state, "subject": subject, "limit": limit}), replayable=True)


def replay_delivery(event_id: str) -> Call:   # replayDelivery
    return Call("POST", f"/v1/webhooks/deliveries/{_q(event_id)}/replay",
                lambda d: Delivery.from_json(d["deliveries"][0]))   # a second one would be 409: not resent


def job_deliveries(job_id: str) -> Call:   # getJobDeliveries
    return Call("GET", f"/v1/jobs/{_q(job_id)}/deliveries",
                lambda d: [Delivery.from_json(x) for x in d["deliveries"]], replayable=True)
