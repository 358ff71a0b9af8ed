"""Receiving execq's webhooks (docs/webhooks.md): check a callback's
Execq-Signature before trusting its body.

    from execq.webhooks import parse_event
    event = parse_event(request.body, request.headers["Execq-Signature"], secret)

The header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with
a second v1 while a rotated secret's grace period lasts. Events come at
least once: deduplicate by event["id"]."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Dict, Optional, Sequence, Union

from .errors import InvalidSignature

DEFAULT_TOLERANCE_S = 300


def verify_signature(payload: Union[bytes, str], header: str, secret: Union[str, Sequence[str]], *,
                     tolerance_s: float = DEFAULT_TOLERANCE_S, now: Optional[float] = None) -> bool:
    """True when `header` signs `payload` (the request's raw body) with
    `secret` (or one of several, during your own rotation) and its time is
    within `tolerance_s` of now (an old request replayed is refused)."""
    body = payload.encode() if isinstance(payload, str) else payload
    secrets = [secret] if isinstance(secret, str) else list(secret)
    t: Optional[int] = None
    sigs = []
    for part in (header or "").split(","):
        k, _, v = part.strip().partition("=")
        if k == "t" and v.isdigit():
            t = int(v)
        elif k == "v1":
            sigs.append(v)
    if t is None or not sigs or abs((time.time() if now is None else now) - t) > tolerance_s:
        return False
    for s in secrets:
        mac = hmac.new(s.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(mac, v) for v in sigs):
            return True
    return False


def parse_event(payload: Union[bytes, str], header: str, secret: Union[str, Sequence[str]], *,
                tolerance_s: float = DEFAULT_TOLERANCE_S) -> Dict[str, Any]:
    """The event (id, type, created_at_ms, account, data, and replaces on a
    job's second job.completed whose result replaced the first's) once its
    signature holds; InvalidSignature otherwise."""
    if not verify_signature(payload, header, secret, tolerance_s=tolerance_s):
        raise InvalidSignature("the Execq-Signature does not match this body and secret (or is too old)")
    event: Dict[str, Any] = json.loads(payload)
    return event
