"""What the sync and async clients share: configuration, `Call` (one
request and how to read its answer; _ops.py makes one per operation), job
bodies, the retry policy, and the Server-Sent Events parser. No I/O here."""
from __future__ import annotations

import base64
import os
import random
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import errors
from .models import JSON, Event

DEFAULT_URL = "http://127.0.0.1:8080"
SYNC_GRACE_S = 15.0          # the API's --sync-grace-ms (5 s) and room for the network
REQUIREMENTS_BUILD_S = 120.0  # --requirements-build-s: a sync call with requirements may wait this much longer

FileContent = Union[str, bytes, "os.PathLike[str]"]
Files = Union[Mapping[str, FileContent], Sequence[Tuple[str, FileContent]]]

# Every operation of docs/openapi.json and the method that calls it, on
# Client and AsyncClient (admin ones on `client.admin`). The SDK's tests
# fail when the API has an operation that is not here.
OPERATIONS: Dict[str, str] = {
    "execPython": "exec_python", "submitJob": "submit", "getJob": "get", "cancelJob": "cancel",
    "followJob": "follow", "submitBatch": "submit_batch", "getBatch": "get_batch", "signup": "signup",
    "getAccount": "account", "listEnvs": "envs", "health": "health", "metrics": "metrics", "openapi": "openapi",
    "rotateOwnKey": "rotate_key", "createSession": "session", "listSessions": "sessions",
    "getSession": "get_session", "deleteSession": "delete_session", "execSession": "session_exec",
    "forkSession": "fork_session",
    "adminListAccounts": "admin.accounts", "adminGetAccount": "admin.account", "adminUsage": "admin.usage",
    "adminGrant": "admin.grant", "adminNewKey": "admin.new_key", "adminRevoke": "admin.revoke_keys",
    "adminSuspend": "admin.suspend", "adminReinstate": "admin.reinstate", "adminLimits": "admin.set_limits",
    "adminAudit": "admin.audit",
    "getWebhook": "webhook", "setWebhook": "set_webhook", "deleteWebhook": "delete_webhook",
    "rotateWebhookSecret": "rotate_webhook_secret", "listDeliveries": "deliveries",
    "replayDelivery": "replay_delivery", "getJobDeliveries": "job_deliveries",
}


def credentials_path() -> Optional[Path]:
    xdg, home = os.environ.get("XDG_CONFIG_HOME"), os.environ.get("HOME")
    if xdg and xdg.startswith("/"):
        return Path(xdg) / "execq" / "credentials"
    if home:
        return Path(home) / ".config" / "execq" / "credentials"
    return None


def read_credentials() -> Dict[str, str]:
    """The CLI's credentials file (`execq signup` writes it): url, api_key, account_id."""
    path = credentials_path()
    if path is None or not path.exists():
        return {}
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise errors.ConfigError(f"{path} is readable by others (mode {path.stat().st_mode & 0o777:03o}): chmod 600 it")
    out: Dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def resolve_config(url: Optional[str], api_key: Optional[str]) -> Tuple[str, Optional[str]]:
    """Argument, then EXECQ_URL / EXECQ_API_KEY, then the credentials file (as the CLI)."""
    saved: Dict[str, str] = {}
    if not (url or os.environ.get("EXECQ_URL")) or not (api_key or os.environ.get("EXECQ_API_KEY")):
        saved = read_credentials()
    u = url or os.environ.get("EXECQ_URL") or saved.get("url") or DEFAULT_URL
    k = api_key or os.environ.get("EXECQ_API_KEY") or saved.get("api_key") or None
    return u.rstrip("/"), k


@dataclass
class Call:
    """One HTTP request of an operation, and how to read its answer."""
    method: str
    path: str
    parse: Callable[[Any], Any]
    json: Optional[JSON] = None
    params: Optional[Dict[str, Any]] = None
    headers: Dict[str, str] = field(default_factory=dict)
    timeout: Optional[float] = None
    # Safe to send again after a connection broke mid-request: a GET, or a
    # POST the server deduplicates (an Idempotency-Key) or that changes
    # nothing twice (cancel).
    replayable: bool = False
    auth: str = "key"   # "key", "admin" or "none"
    raw_text: bool = False
    ok_statuses: Tuple[int, ...] = ()   # error statuses that are answers too (healthz's 503)


def idempotency_key() -> str:
    return "sdk-" + uuid.uuid4().hex


def encode_files(files: Optional[Files]) -> Optional[List[JSON]]:
    """Input files for /input: str is UTF-8 text, bytes any bytes, a Path a local file."""
    if files is None:
        return None
    items: Iterable[Tuple[str, FileContent]] = files.items() if isinstance(files, Mapping) else files
    out: List[JSON] = []
    for name, content in items:
        if isinstance(content, str):
            out.append({"name": name, "content": content, "encoding": "utf-8"})
        else:
            data = content if isinstance(content, bytes) else Path(content).read_bytes()
            out.append({"name": name, "content": base64.b64encode(data).decode(), "encoding": "base64"})
    return out


def job_body(code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
             files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
             scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
             stream: Optional[bool] = None, cancel_on_disconnect: Optional[bool] = None,
             interactive: Optional[bool] = None) -> JSON:
    """A job's body (JobRequest in docs/openapi.json): only the fields given."""
    if not isinstance(code, str):
        raise TypeError("code must be a str")
    body: JSON = {"code": code}
    if isinstance(stdin, bytes):
        body["stdin_b64"] = base64.b64encode(stdin).decode()
    elif stdin is not None:
        body["stdin"] = stdin
    for k, v in (("timeout", timeout), ("env", env), ("memory_mb", memory_mb), ("scratch_mb", scratch_mb),
                 ("stream", stream), ("cancel_on_disconnect", cancel_on_disconnect), ("interactive", interactive)):
        if v is not None:
            body[k] = v
    if requirements is not None:
        body["requirements"] = list(requirements)
    f = encode_files(files)
    if f is not None:
        body["files"] = f
    return body


def sync_timeout(base: float, body: JSON) -> float:
    """How long to wait for a sync answer: the job's timeout, the API's grace, a build."""
    t = float(body.get("timeout") or 10) + SYNC_GRACE_S
    if body.get("requirements"):
        t += REQUIREMENTS_BUILD_S
    return max(base, t)


# -- retries -----------------------------------------------------------------

# Answers that say nothing was done or charged, so the same request may come
# again (after Retry-After when given).
RETRY_CODES = frozenset({"queue_unavailable", "overloaded", "store_unavailable", "shutting_down",
                         "session_unavailable", "session_starting", "rate_limited", "too_many_jobs"})


@dataclass
class RetryPolicy:
    max_retries: int = 4
    backoff_s: float = 0.25
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0

    def delay(self, attempt: int, retry_after: Optional[float]) -> float:
        """Exponential backoff with full jitter; a server's Retry-After wins."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_s)
        return random.uniform(0, min(self.max_backoff_s, self.backoff_s * (2 ** attempt)))


def retry_after(headers: Mapping[str, str]) -> Optional[float]:
    v = headers.get("retry-after")
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


def should_retry_status(status: int, body: Any) -> bool:
    if status not in (409, 429, 503):
        return False
    code = body.get("error", {}).get("code") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
    return code in RETRY_CODES


# -- Server-Sent Events ------------------------------------------------------

class SSEParser:
    """Feeds lines of text/event-stream; returns an Event at each blank line."""

    def __init__(self) -> None:
        self._event = ""
        self._data: List[str] = []
        self._id: Optional[str] = None
        self.last_id: Optional[str] = None

    def feed(self, line: str) -> Optional[Event]:
        if line == "":
            if not self._data and not self._event:
                return None
            ev = Event.parse(self._event or "message", "\n".join(self._data), self._id)
            if self._id is not None:
                self.last_id = self._id
            self._event, self._data, self._id = "", [], None
            return ev
        if line.startswith(":"):
            return None   # keep-alive comment
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        return None


TERMINAL = ("result", "error")


def error_of_event(ev: Event, job_id: Optional[str]) -> errors.ExecqError:
    """The exception an `error` event stands for."""
    status = ev.data.get("http_status")
    return errors.from_body(ev.data, int(status) if isinstance(status, int) else None, job_id=job_id)
