"""The synchronous client. AsyncClient (aio.py) has the same methods as
coroutines; both build their requests in _ops.py."""
from __future__ import annotations

import json
import os
import time
from types import TracebackType
from typing import Any, Callable, Dict, Iterable, Iterator, List, Literal, Optional, Sequence, Type, Union, overload

import httpx

from . import _ops, errors
from ._batch import BatchTracker, JobInput, results_frame
from ._core import Call, Files, RetryPolicy, job_body, resolve_config, retry_after, should_retry_status
from ._stream import StreamState
from .models import (JSON, Account, BatchAccepted, BatchItem, BatchPage, CancelAnswer, Env, Event, Job, JobAccepted,
                     KeyIssued, Progress, Result, SessionInfo, Signup, Delivery, WebhookSettings)

__all__ = ["Client", "Stream", "Session", "BatchRun", "Admin"]

USER_AGENT = "execq-python/0.1.0"


def _decode(resp: httpx.Response) -> Any:
    try:
        return resp.json() if resp.content else None
    except ValueError:
        return resp.text


class _Base:
    """Configuration shared by Client and AsyncClient."""

    def __init__(self, api_key: Optional[str], url: Optional[str], timeout: float, max_retries: int,
                 backoff_s: float, admin_token: Optional[str]) -> None:
        self.url, self.api_key = resolve_config(url, api_key)
        self.timeout = timeout
        self.retry = RetryPolicy(max_retries=max_retries, backoff_s=backoff_s)
        self.admin_token = admin_token or os.environ.get("EXECQ_ADMIN_TOKEN")

    def _request_args(self, call: Call) -> Dict[str, Any]:
        h = {"User-Agent": USER_AGENT, **call.headers}
        if call.auth == "key":
            if not self.api_key:
                raise errors.ConfigError("no API key: pass api_key=, set EXECQ_API_KEY, or run `execq signup`")
            h["Authorization"] = f"Bearer {self.api_key}"
        elif call.auth == "admin":
            if not self.admin_token:
                raise errors.ConfigError("no operator token: pass admin_token= or set EXECQ_ADMIN_TOKEN")
            h["Authorization"] = f"Bearer {self.admin_token}"
        t = call.timeout if call.timeout is not None else self.timeout
        return {"method": call.method, "url": self.url + call.path, "json": call.json, "params": call.params,
                "headers": h, "timeout": httpx.Timeout(t, connect=min(t, 10.0))}

    def _check(self, call: Call, resp: httpx.Response, attempt: int) -> Optional[float]:
        """None when resp is the answer (its body read, unless streamed and
        2xx); the delay before trying again when the API says nothing was
        done; else raises the API's error."""
        if resp.status_code < 400 or resp.status_code in call.ok_statuses:
            return None
        body = _decode(resp)
        ra = retry_after(resp.headers)
        if attempt < self.retry.max_retries and should_retry_status(resp.status_code, body):
            return self.retry.delay(attempt, ra)
        raise errors.from_body(body, resp.status_code, ra, resp.headers.get("x-job-id"))

    @staticmethod
    def _parse(call: Call, resp: httpx.Response) -> Any:
        return call.parse(resp.text if call.raw_text else _decode(resp))

    def _transport_retry(self, call: Call, exc: Exception, attempt: int) -> float:
        """The delay before trying again after a broken connection, or raises."""
        # A request that never left (ConnectError) may always go again; one
        # cut off after sending only if the server deduplicates it.
        if attempt < self.retry.max_retries and (call.replayable or isinstance(exc, httpx.ConnectError)):
            return self.retry.delay(attempt, None)
        raise errors.ConnectionFailed(f"{call.method} {call.path}: {exc!r}") from exc


class Client(_Base):
    """A client of one execq API.

    `Client()` takes its URL and key from EXECQ_URL and EXECQ_API_KEY, else
    from the CLI's credentials file (`execq signup`), else the URL
    http://127.0.0.1:8080. Every POST that makes a job carries an
    Idempotency-Key, so a retry (after a 503 or a broken connection) is
    never run or charged twice.
    """

    def __init__(self, api_key: Optional[str] = None, url: Optional[str] = None, *, timeout: float = 60.0,
                 max_retries: int = 4, backoff_s: float = 0.25, admin_token: Optional[str] = None,
                 http: Optional[httpx.Client] = None) -> None:
        super().__init__(api_key, url, timeout, max_retries, backoff_s, admin_token)
        self._http = http or httpx.Client()
        self._own_http = http is None
        self.admin = Admin(self)

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()

    # -- the engine ------------------------------------------------------------
    def _send(self, call: Call, stream: bool = False) -> httpx.Response:
        """Sends call with the retry policy; returns the answer (left open
        when streamed: an event stream, or a replayed JSON result)."""
        attempt = 0
        while True:
            try:
                resp = self._http.send(self._http.build_request(**self._request_args(call)), stream=stream)
            except httpx.TransportError as e:
                time.sleep(self._transport_retry(call, e, attempt))
                attempt += 1
                continue
            if stream and resp.status_code >= 400:
                resp.read()   # the error's body, then the connection goes
                resp.close()
            delay = self._check(call, resp, attempt)
            if delay is None:
                return resp
            time.sleep(delay)
            attempt += 1

    def _do(self, call: Call) -> Any:
        return self._parse(call, self._send(call))

    # -- jobs ------------------------------------------------------------------
    @overload
    def exec_python(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                    files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
                    scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                    stream: Literal[False] = False, cancel_on_disconnect: Optional[bool] = None,
                    idempotency_key: Optional[str] = None) -> Result: ...

    @overload
    def exec_python(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                    files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
                    scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                    stream: Literal[True], cancel_on_disconnect: Optional[bool] = None,
                    idempotency_key: Optional[str] = None) -> Stream: ...

    def exec_python(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                    files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
                    scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                    stream: bool = False, cancel_on_disconnect: Optional[bool] = None,
                    idempotency_key: Optional[str] = None) -> Union[Result, Stream]:
        """Runs code and returns its Result (POST /v1/exec-python). With
        stream=True, returns a Stream: iterate it for the output events as
        the job prints, then `.result`."""
        body = job_body(code, timeout=timeout, stdin=stdin, files=files, env=env, memory_mb=memory_mb,
                        scratch_mb=scratch_mb, requirements=requirements, stream=True if stream else None,
                        cancel_on_disconnect=cancel_on_disconnect)
        call = _ops.exec_python(body, self.timeout, idempotency_key)
        if stream:
            return Stream(self, lambda last: call)
        res: Result = self._do(call)
        return res

    def submit(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
               files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
               scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
               stream: Optional[bool] = None, idempotency_key: Optional[str] = None,
               callback_url: Optional[str] = None,
               callback_events: Optional[Sequence[str]] = None) -> JobAccepted:
        """Queues an async job (POST /v1/jobs). stream=True publishes its output from its start for follow()."""
        body = job_body(code, timeout=timeout, stdin=stdin, files=files, env=env, memory_mb=memory_mb,
                        scratch_mb=scratch_mb, requirements=requirements, stream=stream)
        body.update(_ops.callback_fields(callback_url, callback_events))
        r: JobAccepted = self._do(_ops.submit(body, idempotency_key))
        return r

    def get(self, job_id: str, *, wait: Optional[int] = None) -> Job:
        """A job's state (GET /v1/jobs/{id}); wait=N seconds (at most 30) returns as soon as it completes."""
        r: Job = self._do(_ops.get(job_id, wait, self.timeout))
        return r

    def wait(self, job_id: str, timeout: Optional[float] = None) -> Result:
        """Waits for a job's result. Raises the job's error if it never ran
        (Expired, Cancelled, Lost, ...), TimeoutError after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 30.0 if deadline is None else deadline - time.monotonic()
            wait = max(0, min(30, int(left)))
            job = self.get(job_id, wait=wait)
            if job.done:
                return _result_of(job)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")
            if wait == 0:   # under a second left: poll, not spin
                time.sleep(min(0.25, max(0.0, left)))

    def cancel(self, job_id: str) -> CancelAnswer:
        """Cancels a job (POST /v1/jobs/{id}/cancel); wait() then gives its outcome."""
        r: CancelAnswer = self._do(_ops.cancel(job_id))
        return r

    def follow(self, job_id: str, last_event_id: Optional[str] = None) -> "Stream":
        """Follows a job's output as it prints (GET /v1/jobs/{id}/events),
        resuming with Last-Event-ID if the connection breaks."""
        return Stream(self, lambda last: _ops.follow(job_id, last), job_id=job_id, last_event_id=last_event_id)

    # -- batches ---------------------------------------------------------------
    def submit_batch(self, jobs: Iterable[JobInput], *, env: Optional[str] = None,
                     idempotency_key: Optional[str] = None, callback_url: Optional[str] = None,
                     callback_events: Optional[Sequence[str]] = None) -> BatchAccepted:
        """Submits up to 1,000 jobs as one batch (POST /v1/batches); with
        callback_url, its end (batch.completed, and job.completed for each
        job if callback_events names it) is POSTed there, signed."""
        from ._batch import to_body
        r: BatchAccepted = self._do(_ops.submit_batch([to_body(j) for j in jobs], env, idempotency_key,
                                                      _ops.callback_fields(callback_url, callback_events)))
        return r

    def get_batch(self, batch_id: str, *, offset: int = 0, limit: int = 100, wait: Optional[int] = None) -> BatchPage:
        """One page of a batch's jobs (GET /v1/batches/{id})."""
        r: BatchPage = self._do(_ops.get_batch(batch_id, offset, limit, wait, self.timeout))
        return r

    def run_batch(self, jobs: Iterable[JobInput], *, page_size: int = 500, max_open: int = 5000,
                  env: Optional[str] = None, on_progress: Optional[Callable[[Progress], None]] = None,
                  poll_s: float = 0.5, callback_url: Optional[str] = None,
                  callback_events: Optional[Sequence[str]] = None) -> "BatchRun":
        """Runs any number of jobs: submits them in pages of `page_size` (each
        with its own Idempotency-Key), keeps at most `max_open` unfinished, and
        yields a BatchItem for each as it completes. A job is a str (its code)
        or a dict of exec_python's arguments. callback_url / callback_events:
        each page's, as submit_batch takes them (each page is a batch:
        batch.completed comes once per page; ["job.completed"] for one
        callback per job)."""
        return BatchRun(self, BatchTracker.start(jobs, page_size, max_open, on_progress), env, poll_s,
                        _ops.callback_fields(callback_url, callback_events))

    # -- webhooks (docs/webhooks.md) -----------------------------------------------
    def webhook(self) -> WebhookSettings:
        """The account's default callback URL, its events and the signing secret."""
        r: WebhookSettings = self._do(_ops.get_webhook())
        return r

    def set_webhook(self, url: str, events: Optional[Sequence[str]] = None) -> WebhookSettings:
        """Sets the default callback URL (events: job.completed, batch.completed, session.ended; all by default)."""
        r: WebhookSettings = self._do(_ops.set_webhook(url, list(events) if events is not None else None))
        return r

    def delete_webhook(self) -> WebhookSettings:
        """Removes the default callback URL (the secret stays)."""
        r: WebhookSettings = self._do(_ops.delete_webhook())
        return r

    def rotate_webhook_secret(self, grace_s: Optional[int] = None) -> WebhookSettings:
        """A new signing secret; the old one also signs for grace_s (a day by default)."""
        r: WebhookSettings = self._do(_ops.rotate_webhook_secret(grace_s))
        return r

    def deliveries(self, *, state: Optional[str] = None, subject: Optional[str] = None,
                         limit: Optional[int] = None) -> List[Delivery]:
        """The account's callback events, newest first (state="dead": the dead letters)."""
        r: List[Delivery] = self._do(_ops.deliveries(state, subject, limit))
        return r

    def replay_delivery(self, event_id: str) -> Delivery:
        """Sends an event again (a dead letter, or one delivered): the same id and body."""
        r: Delivery = self._do(_ops.replay_delivery(event_id))
        return r

    def job_deliveries(self, job_id: str) -> List[Delivery]:
        """A job's callback events, each with every attempt."""
        r: List[Delivery] = self._do(_ops.job_deliveries(job_id))
        return r

    # -- account -----------------------------------------------------------------
    def signup(self) -> Signup:
        """A new account and key (POST /v1/signup); no key needed."""
        r: Signup = self._do(_ops.signup())
        return r

    def account(self) -> Account:
        r: Account = self._do(_ops.account())
        return r

    def rotate_key(self, grace_s: Optional[int] = None) -> KeyIssued:
        """A new key for this account; this client uses it from now on."""
        r: KeyIssued = self._do(_ops.rotate_key(grace_s))
        self.api_key = r.api_key
        return r

    def envs(self) -> List[Env]:
        r: List[Env] = self._do(_ops.envs())
        return r

    def health(self) -> JSON:
        r: JSON = self._do(_ops.health())
        return r

    def metrics(self) -> str:
        r: str = self._do(_ops.metrics())
        return r

    def openapi(self) -> JSON:
        r: JSON = self._do(_ops.openapi())
        return r

    # -- sessions ----------------------------------------------------------------
    def session(self, *, memory_mb: Optional[int] = None, scratch_mb: Optional[int] = None,
                idle_timeout_s: Optional[int] = None, max_lifetime_s: Optional[int] = None,
                env: Optional[str] = None, callback_url: Optional[str] = None) -> "Session":
        """A new session (POST /v1/sessions): a Python that keeps its state
        between execs. Use it as a context manager to delete it at the end.
        callback_url: its end (session.ended), and its forks', is POSTed
        there, signed (docs/webhooks.md)."""
        body = {k: v for k, v in (("memory_mb", memory_mb), ("scratch_mb", scratch_mb),
                                  ("idle_timeout_s", idle_timeout_s), ("max_lifetime_s", max_lifetime_s),
                                  ("env", env), ("callback_url", callback_url)) if v is not None}
        info: SessionInfo = self._do(_ops.create_session(body))
        return Session(self, info)

    def sessions(self) -> List[SessionInfo]:
        r: List[SessionInfo] = self._do(_ops.sessions())
        return r

    def get_session(self, session_id: str) -> SessionInfo:
        r: SessionInfo = self._do(_ops.get_session(session_id))
        return r

    def delete_session(self, session_id: str) -> SessionInfo:
        r: SessionInfo = self._do(_ops.delete_session(session_id))
        return r

    @overload
    def session_exec(self, session_id: str, code: str, *, timeout: Optional[float] = None,
                     stdin: Union[str, bytes, None] = None, interactive: Optional[bool] = None,
                     stream: Literal[False] = False, cancel_on_disconnect: Optional[bool] = None) -> Result: ...

    @overload
    def session_exec(self, session_id: str, code: str, *, timeout: Optional[float] = None,
                     stdin: Union[str, bytes, None] = None, interactive: Optional[bool] = None,
                     stream: Literal[True], cancel_on_disconnect: Optional[bool] = None) -> Stream: ...

    def session_exec(self, session_id: str, code: str, *, timeout: Optional[float] = None,
                     stdin: Union[str, bytes, None] = None, interactive: Optional[bool] = None,
                     stream: bool = False, cancel_on_disconnect: Optional[bool] = None) -> Union[Result, Stream]:
        """Runs code in a session; a Result, or a Stream with stream=True."""
        body = job_body(code, timeout=timeout, stdin=stdin, interactive=interactive,
                        stream=True if stream else None, cancel_on_disconnect=cancel_on_disconnect)
        call = _ops.session_exec(session_id, body, self.timeout)
        if stream:
            return Stream(self, lambda last: call, resumable=False)
        res: Result = self._do(call)
        return res

    def fork_session(self, session_id: str) -> SessionInfo:
        r: SessionInfo = self._do(_ops.fork_session(session_id))
        return r


def _result_of(job: Job) -> Result:
    if job.result is not None:
        return job.result
    raise errors.from_body(job.error or {}, None, job_id=job.job_id)


class Stream(StreamState):
    """The events of a streamed call or a followed job. Iterating yields the
    output events (stdout, stderr, dropped, restart); `.result` is the
    final Result (it reads the rest of the stream first), or raises the
    job's error."""

    def __init__(self, client: Client, call: Callable[[Optional[str]], Call], *, job_id: Optional[str] = None,
                 resumable: bool = True, last_event_id: Optional[str] = None) -> None:
        super().__init__(call, job_id, resumable, last_event_id)
        self._client = client
        self._resp: Optional[httpx.Response] = None
        self._lines: Optional[Iterator[str]] = None   # kept: a loop left early goes on where it stopped

    def __iter__(self) -> Iterator[Event]:
        attempt = 0
        while not self._done:
            try:
                if self._resp is None:
                    self._resp = self._client._send(self._call(self._parser.last_id), stream=True)
                    self.job_id = self.job_id or self._resp.headers.get("x-job-id")
                if "text/event-stream" not in self._resp.headers.get("content-type", ""):
                    yield from self._json(json.loads(self._resp.read() or b"null"))
                    break
                if self._lines is None:
                    self._lines = self._resp.iter_lines()
                for line in self._lines:
                    ev = self._line(line)
                    if ev is not None:
                        yield ev
                    elif self._done:
                        break
                if not self._done:
                    raise httpx.RemoteProtocolError("the stream ended before its result")
            except httpx.TransportError as e:
                self._drop()
                self._broken(e)
                time.sleep(self._client._transport_retry(self._call(None), e, attempt))
                attempt += 1
        self._drop()

    def _drop(self) -> None:
        self._lines = None
        if self._resp is not None:
            self._resp.close()
            self._resp = None

    @property
    def result(self) -> Result:
        for _ in self:
            pass
        return self._outcome()

    def close(self) -> None:
        self._done = True
        self._drop()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()


class Session:
    """A live session: `exec`, `fork`, `info`, `close` (DELETE)."""

    def __init__(self, client: Client, info: SessionInfo) -> None:
        self._client = client
        self.id = info.session_id
        self.created = info

    def exec(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
             interactive: Optional[bool] = None) -> Result:
        r: Result = self._client.session_exec(self.id, code, timeout=timeout, stdin=stdin, interactive=interactive)
        return r

    def stream(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None) -> Stream:
        s: Stream = self._client.session_exec(self.id, code, timeout=timeout, stdin=stdin, stream=True)
        return s

    def fork(self) -> "Session":
        """A copy of this session's live state, made in milliseconds."""
        return Session(self._client, self._client.fork_session(self.id))

    def info(self) -> SessionInfo:
        return self._client.get_session(self.id)

    def close(self) -> None:
        """Ends the session (its process and sandbox go); one already gone is fine."""
        try:
            self._client.delete_session(self.id)
        except errors.NotFound:
            pass

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()


class BatchRun:
    """run_batch's results, yielded as the jobs complete (BatchItem)."""

    def __init__(self, client: Client, tracker: BatchTracker, env: Optional[str], poll_s: float,
                 callback: Optional[JSON] = None) -> None:
        self._client = client
        self.tracker = tracker
        self._env = env
        self._callback = callback
        self._poll_s = poll_s
        self._seen: List[BatchItem] = []
        self.batch_ids: List[str] = []   # one per page submitted
        self._it = self._run()

    def __iter__(self) -> Iterator[BatchItem]:
        return self

    def __next__(self) -> BatchItem:
        item = next(self._it)
        self._seen.append(item)
        return item

    def _run(self) -> Iterator[BatchItem]:
        t = self.tracker
        idle = self._poll_s
        while not t.finished:
            page = t.next_page()
            while page is not None:
                acc = self._client._do(_ops.submit_batch(page, self._env, t.page_key(), self._callback))
                self.batch_ids.append(acc.batch_id)
                t.submitted_page(acc.batch_id, acc.size)
                page = t.next_page()
            new = 0
            for batch_id, offset in t.reads():
                off: Optional[int] = offset
                while off is not None:
                    p = self._client.get_batch(batch_id, offset=off, limit=1000)
                    for item in t.take(p):
                        new += 1
                        yield item
                    off = p.next_offset
            if t.finished:
                break
            idle = self._poll_s if new else min(idle * 1.5, 5.0)
            time.sleep(idle)

    def results(self) -> List[BatchItem]:
        """Every item, in input order (waits for the rest)."""
        for _ in self:
            pass
        return sorted(self._seen, key=lambda x: x.index)

    def results_frame(self) -> Any:
        """A pandas DataFrame, one row per job in input order (needs pandas)."""
        return results_frame(self.results())


class Admin:
    """The operator's API (/v1/admin/, the operator token: admin_token= or EXECQ_ADMIN_TOKEN)."""

    def __init__(self, client: Client) -> None:
        self._c = client

    def accounts(self, q: Optional[str] = None, offset: Optional[int] = None, limit: Optional[int] = None) -> JSON:
        r: JSON = self._c._do(_ops.admin_accounts(q, offset, limit))
        return r

    def account(self, account_id: str) -> JSON:
        r: JSON = self._c._do(_ops.admin_account(account_id))
        return r

    def usage(self, account_id: str, days: Optional[int] = None) -> JSON:
        r: JSON = self._c._do(_ops.admin_usage(account_id, days))
        return r

    def audit(self, account_id: str, limit: Optional[int] = None) -> JSON:
        r: JSON = self._c._do(_ops.admin_audit(account_id, limit))
        return r

    def grant(self, account_id: str, credits: int, reason: str, *, idempotency_key: Optional[str] = None) -> JSON:
        r: JSON = self._c._do(_ops.admin_grant(account_id, credits, reason, idempotency_key))
        return r

    def new_key(self, account_id: str, reason: str, grace_s: Optional[int] = None) -> JSON:
        r: JSON = self._c._do(_ops.admin_new_key(account_id, reason, grace_s))
        return r

    def revoke_keys(self, account_id: str, reason: str) -> JSON:
        r: JSON = self._c._do(_ops.admin_change(account_id, "keys/revoke", reason))
        return r

    def suspend(self, account_id: str, reason: str) -> JSON:
        r: JSON = self._c._do(_ops.admin_change(account_id, "suspend", reason))
        return r

    def reinstate(self, account_id: str, reason: str) -> JSON:
        r: JSON = self._c._do(_ops.admin_change(account_id, "reinstate", reason))
        return r

    def set_limits(self, account_id: str, reason: str, **limits: Optional[int]) -> JSON:
        """max_queued, max_open, requests_per_s, max_batch_jobs, max_sessions: None returns one to the default."""
        r: JSON = self._c._do(_ops.admin_limits(account_id, reason, limits))
        return r
