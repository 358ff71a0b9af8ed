"""What the API answers, as dataclasses (docs/api.md). Each keeps the whole
answer in `raw`, so a field added by a newer server is never lost."""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Dict, List, Optional, Union

JSON = Dict[str, Any]
PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class OutputFile:
    """A file the job left in /tmp/out (needs scratch_mb)."""
    name: str
    size: int
    content: bytes

    def save(self, folder: PathLike) -> Path:
        """Writes the file under folder (its subdirectories made); returns its path."""
        parts = PurePosixPath(self.name).parts
        if not parts or any(p in ("", ".", "..") for p in parts) or PurePosixPath(self.name).is_absolute():
            raise ValueError(f"unsafe file name from the server: {self.name!r}")
        path = Path(folder).joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.content)
        return path


@dataclass(frozen=True)
class Image:
    """A figure the job displayed (plt.show(), or left open)."""
    mime_type: str
    size: int
    content: bytes

    def save(self, path: PathLike) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(self.content)
        return p


def _b64(s: Any) -> bytes:
    return base64.b64decode(s) if isinstance(s, str) else b""


@dataclass(frozen=True)
class SessionRef:
    id: str
    lost: bool
    ended: bool


@dataclass(frozen=True)
class Result:
    """The outcome of a job that ran (POST /v1/exec-python's 200 answer)."""
    ok: bool
    stdout: str
    stderr: str
    exit_code: int
    execution_time_ms: int
    timed_out: bool
    credits_used: int
    job_id: Optional[str]
    cpu_time_ms: Optional[int] = None
    peak_memory_kb: Optional[int] = None
    memory_exceeded: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    signal: Optional[int] = None
    cancelled: bool = False
    files: List[OutputFile] = field(default_factory=list)
    files_truncated: bool = False
    images: List[Image] = field(default_factory=list)
    images_truncated: bool = False
    env: Optional[str] = None
    env_build_ms: Optional[int] = None
    env_cold_start_ms: Optional[int] = None
    session: Optional[SessionRef] = None
    raw: JSON = field(default_factory=dict, repr=False)

    @property
    def stdout_bytes(self) -> bytes:
        """The exact bytes printed (stdout holds U+FFFD for bytes that are not UTF-8)."""
        b = self.raw.get("stdout_base64")
        return _b64(b) if b is not None else self.stdout.encode()

    @property
    def stderr_bytes(self) -> bytes:
        b = self.raw.get("stderr_base64")
        return _b64(b) if b is not None else self.stderr.encode()

    @property
    def succeeded(self) -> bool:
        """Exited 0, within its time and memory."""
        return self.exit_code == 0 and not self.timed_out and not self.memory_exceeded

    def save_files(self, folder: PathLike) -> List[Path]:
        """Writes the output files under folder; returns their paths."""
        return [f.save(folder) for f in self.files]

    def save_images(self, folder: PathLike, prefix: str = "figure") -> List[Path]:
        """Writes the figures as folder/figure-1.png, figure-2.png, ..."""
        return [img.save(Path(folder) / f"{prefix}-{i}.png") for i, img in enumerate(self.images, 1)]

    def save(self, folder: PathLike) -> List[Path]:
        """Writes files and figures under folder."""
        return self.save_files(folder) + self.save_images(folder)

    @classmethod
    def from_json(cls, d: JSON) -> "Result":
        s = d.get("session")
        return cls(
            ok=bool(d.get("ok", True)), stdout=str(d.get("stdout", "")), stderr=str(d.get("stderr", "")),
            exit_code=int(d.get("exit_code", 0)), execution_time_ms=int(d.get("execution_time_ms", 0)),
            timed_out=bool(d.get("timed_out", False)), credits_used=int(d.get("credits_used", 0)),
            job_id=d.get("job_id"), cpu_time_ms=d.get("cpu_time_ms"), peak_memory_kb=d.get("peak_memory_kb"),
            memory_exceeded=bool(d.get("memory_exceeded", False)),
            stdout_truncated=bool(d.get("stdout_truncated", False)),
            stderr_truncated=bool(d.get("stderr_truncated", False)), signal=d.get("signal"),
            cancelled=bool(d.get("cancelled", False)),
            files=[OutputFile(f["name"], int(f.get("size", 0)), _b64(f.get("content_base64")))
                   for f in d.get("files") or []],
            files_truncated=bool(d.get("files_truncated", False)),
            images=[Image(i.get("mime_type", "image/png"), int(i.get("size", 0)), _b64(i.get("content_base64")))
                    for i in d.get("images") or []],
            images_truncated=bool(d.get("images_truncated", False)), env=d.get("env"),
            env_build_ms=d.get("env_build_ms"), env_cold_start_ms=d.get("env_cold_start_ms"),
            session=SessionRef(s["id"], bool(s.get("lost")), bool(s.get("ended"))) if isinstance(s, dict) else None,
            raw=d)


@dataclass(frozen=True)
class JobAccepted:
    job_id: str
    status: str
    credits_charged: int


@dataclass(frozen=True)
class Job:
    """GET /v1/jobs/{id}: status queued, running or completed. A completed job
    has `result` (it ran) or `error` (it never did: expired, cancelled, lost)."""
    job_id: str
    status: str
    kind: str
    created_at_ms: int
    finished_at_ms: Optional[int] = None
    batch_id: Optional[str] = None
    result: Optional[Result] = None
    error: Optional[JSON] = None
    raw: JSON = field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        return self.status == "completed"

    @classmethod
    def from_json(cls, j: JSON) -> "Job":
        r = j.get("result") if isinstance(j.get("result"), dict) else None
        ran = r is not None and r.get("ok", True) is not False
        return cls(job_id=j["job_id"], status=j["status"], kind=j.get("kind", ""),
                   created_at_ms=int(j.get("created_at_ms", 0)), finished_at_ms=j.get("finished_at_ms"),
                   batch_id=j.get("batch_id"), result=Result.from_json(r) if r is not None and ran else None,
                   error=r if not ran else None, raw=j)


@dataclass(frozen=True)
class BatchAccepted:
    batch_id: str
    size: int
    credits_charged: int
    job_ids: List[str]


@dataclass(frozen=True)
class BatchPage:
    """One page of GET /v1/batches/{id}."""
    batch_id: str
    size: int
    completed: bool
    counts: Dict[str, int]
    offset: int
    limit: int
    next_offset: Optional[int]
    jobs: List[Job]

    @classmethod
    def from_json(cls, d: JSON) -> "BatchPage":
        return cls(batch_id=d["batch_id"], size=int(d["size"]), completed=bool(d["completed"]),
                   counts=dict(d.get("counts") or {}), offset=int(d.get("offset", 0)), limit=int(d.get("limit", 0)),
                   next_offset=d.get("next_offset"),
                   jobs=[Job.from_json(dict(j, kind=j.get("kind", "batch"), created_at_ms=j.get("created_at_ms", 0)))
                         for j in d.get("jobs") or []])


@dataclass(frozen=True)
class Account:
    account_id: str
    balance: int
    credits_granted: int
    credits_charged: int
    credits_refunded: int
    runs: int
    price_per_run: int
    created_at_ms: int
    raw: JSON = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: JSON) -> "Account":
        return cls(**{k: d[k] for k in ("account_id", "balance", "credits_granted", "credits_charged",
                                        "credits_refunded", "runs", "price_per_run", "created_at_ms")}, raw=d)


@dataclass(frozen=True)
class Signup:
    account_id: str
    api_key: str
    credits: int


@dataclass(frozen=True)
class KeyIssued:
    account_id: str
    api_key: str
    old_keys_expire_at_ms: Optional[int]


@dataclass(frozen=True)
class CancelAnswer:
    job_id: str
    status: str     # "cancelling" (the executors are told) or "cancelled" (it was held: never ran)
    note: str


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    state: str
    memory_mb: int
    scratch_mb: int
    idle_timeout_s: int
    max_lifetime_s: int
    execs: int
    memory_kb: int
    created_at_ms: int
    last_used_at_ms: int
    idle_s: int
    ended_because: Optional[str] = None
    ends_at_ms: Optional[int] = None
    raw: JSON = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: JSON) -> "SessionInfo":
        keys = ("session_id", "state", "memory_mb", "scratch_mb", "idle_timeout_s", "max_lifetime_s", "execs",
                "memory_kb", "created_at_ms", "last_used_at_ms", "idle_s")
        return cls(**{k: d[k] for k in keys}, ended_because=d.get("ended_because"), ends_at_ms=d.get("ends_at_ms"),
                   raw=d)


@dataclass(frozen=True)
class Env:
    """An environment (package set), GET /v1/envs."""
    name: str
    state: str
    python: Optional[str]
    packages: Dict[str, str]
    warm_imports: List[str]
    executors: Dict[str, int]
    error: Optional[str] = None
    raw: JSON = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: JSON) -> "Env":
        return cls(name=d["name"], state=d["state"], python=d.get("python"),
                   packages={p["name"]: p.get("version", "") for p in d.get("packages") or []},
                   warm_imports=list(d.get("warm_imports") or []), executors=dict(d.get("executors") or {}),
                   error=d.get("error"), raw=d)


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event of a stream: stdout, stderr, dropped, restart,
    result or error (docs/api.md, Streaming)."""
    event: str
    data: JSON
    id: Optional[str] = None

    @property
    def text(self) -> str:
        """An output event's text (bytes that are not UTF-8 shown as U+FFFD)."""
        if "text" in self.data:
            return str(self.data["text"])
        return self.bytes.decode("utf-8", "replace")

    @property
    def bytes(self) -> bytes:
        if "base64" in self.data:
            return _b64(self.data["base64"])
        return str(self.data.get("text", "")).encode()

    @classmethod
    def parse(cls, event: str, data: str, id: Optional[str]) -> "Event":
        try:
            d = json.loads(data) if data else {}
        except ValueError:
            d = {"raw": data}
        return cls(event, d if isinstance(d, dict) else {"value": d}, id)


@dataclass(frozen=True)
class Progress:
    """run_batch's progress: jobs submitted, completed (ran) and failed (never ran) so far."""
    submitted: int
    completed: int
    failed: int
    total: Optional[int]


@dataclass(frozen=True)
class BatchItem:
    """One job of run_batch, in completion order: `index` is its place in the input."""
    index: int
    job_id: str
    result: Optional[Result]
    error: Optional[Exception] = None

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class WebhookSettings:
    """The account's webhooks (GET/POST/DELETE /v1/webhooks): its default
    URL (None: none), the events sent there, and the secret that signs
    every callback of the account."""
    url: Optional[str]
    events: List[str]
    secret: str
    previous_secret_expires_at_ms: Optional[float]
    raw: JSON = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: JSON) -> "WebhookSettings":
        return cls(url=d.get("url"), events=list(d["events"]), secret=d["secret"],
                   previous_secret_expires_at_ms=d.get("previous_secret_expires_at_ms"), raw=d)


@dataclass(frozen=True)
class DeliveryAttempt:
    """One attempt to deliver an event: the receiver's status (None when
    none came) and why it failed (None when delivered)."""
    n: int
    at_ms: float
    duration_ms: float
    status: Optional[int]
    error: Optional[str]


@dataclass(frozen=True)
class Delivery:
    """A callback event and its delivery: state pending, delivered or dead."""
    id: str
    type: str
    subject: str
    url: str
    state: str
    attempts: int
    last_status: Optional[int]
    last_error: Optional[str]
    created_at_ms: float
    attempt_log: List[DeliveryAttempt]
    raw: JSON = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: JSON) -> "Delivery":
        subject = d.get("job_id") or d.get("batch_id") or d.get("session_id") or ""
        log = [DeliveryAttempt(int(a["n"]), a["at_ms"], a["duration_ms"], a.get("status"), a.get("error"))
               for a in d.get("attempt_log") or []]
        return cls(id=d["id"], type=d["type"], subject=subject, url=d["url"], state=d["state"],
                   attempts=int(d["attempts"]), last_status=d.get("last_status"), last_error=d.get("last_error"),
                   created_at_ms=d["created_at_ms"], attempt_log=log, raw=d)
