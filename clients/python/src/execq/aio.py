"""AsyncClient: Client's methods as coroutines (asyncio, httpx.AsyncClient).
Streams and batch results are async iterators."""
from __future__ import annotations

import asyncio
import json
import time
from types import TracebackType
from typing import Any, AsyncIterator, Callable, Iterable, List, Literal, Optional, Sequence, Type, Union, overload

import httpx

from . import _ops, errors
from ._batch import BatchTracker, JobInput, results_frame, to_body
from ._core import Call, Files, job_body
from ._stream import StreamState
from .client import _Base, _result_of
from .models import (JSON, Account, BatchAccepted, BatchItem, BatchPage, CancelAnswer, Env, Event, Job, JobAccepted,
                     KeyIssued, Progress, Result, SessionInfo, Signup, Delivery, WebhookSettings)

__all__ = ["AsyncClient", "AsyncStream", "AsyncSession", "AsyncBatchRun", "AsyncAdmin"]


class AsyncClient(_Base):
    """The asyncio client; see Client for what each method does."""

    def __init__(self, api_key: Optional[str] = None, url: Optional[str] = None, *, timeout: float = 60.0,
                 max_retries: int = 4, backoff_s: float = 0.25, admin_token: Optional[str] = None,
                 http: Optional[httpx.AsyncClient] = None) -> None:
        super().__init__(api_key, url, timeout, max_retries, backoff_s, admin_token)
        self._http = http or httpx.AsyncClient()
        self._own_http = http is None
        self.admin = AsyncAdmin(self)

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException],
                        tb: Optional[TracebackType]) -> None:
        await self.aclose()

    async def _send(self, call: Call, stream: bool = False) -> httpx.Response:
        """Client._send's twin."""
        attempt = 0
        while True:
            try:
                resp = await self._http.send(self._http.build_request(**self._request_args(call)), stream=stream)
            except httpx.TransportError as e:
                await asyncio.sleep(self._transport_retry(call, e, attempt))
                attempt += 1
                continue
            if stream and resp.status_code >= 400:
                await resp.aread()
                await resp.aclose()
            delay = self._check(call, resp, attempt)
            if delay is None:
                return resp
            await asyncio.sleep(delay)
            attempt += 1

    async def _do(self, call: Call) -> Any:
        return self._parse(call, await self._send(call))

    @overload
    async def exec_python(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                    files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
                    scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                    stream: Literal[False] = False, cancel_on_disconnect: Optional[bool] = None,
                    idempotency_key: Optional[str] = None) -> Result: ...

    @overload
    async def exec_python(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                    files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
                    scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                    stream: Literal[True], cancel_on_disconnect: Optional[bool] = None,
                    idempotency_key: Optional[str] = None) -> AsyncStream: ...

    async def exec_python(self, code: str, *, timeout: Optional[float] = None,
                          stdin: Union[str, bytes, None] = None, files: Optional[Files] = None,
                          env: Optional[str] = None, memory_mb: Optional[int] = None,
                          scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                          stream: bool = False, cancel_on_disconnect: Optional[bool] = None,
                          idempotency_key: Optional[str] = None) -> Union[Result, AsyncStream]:
        body = job_body(code, timeout=timeout, stdin=stdin, files=files, env=env, memory_mb=memory_mb,
                        scratch_mb=scratch_mb, requirements=requirements, stream=True if stream else None,
                        cancel_on_disconnect=cancel_on_disconnect)
        call = _ops.exec_python(body, self.timeout, idempotency_key)
        if stream:
            return AsyncStream(self, lambda last: call)
        res: Result = await self._do(call)
        return res

    async def submit(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                     files: Optional[Files] = None, env: Optional[str] = None, memory_mb: Optional[int] = None,
                     scratch_mb: Optional[int] = None, requirements: Optional[Sequence[str]] = None,
                     stream: Optional[bool] = None, idempotency_key: Optional[str] = None,
               callback_url: Optional[str] = None,
               callback_events: Optional[Sequence[str]] = None) -> JobAccepted:
        body = job_body(code, timeout=timeout, stdin=stdin, files=files, env=env, memory_mb=memory_mb,
                        scratch_mb=scratch_mb, requirements=requirements, stream=stream)
        body.update(_ops.callback_fields(callback_url, callback_events))
        r: JobAccepted = await self._do(_ops.submit(body, idempotency_key))
        return r

    async def get(self, job_id: str, *, wait: Optional[int] = None) -> Job:
        r: Job = await self._do(_ops.get(job_id, wait, self.timeout))
        return r

    async def wait(self, job_id: str, timeout: Optional[float] = None) -> Result:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 30.0 if deadline is None else deadline - time.monotonic()
            wait = max(0, min(30, int(left)))
            job = await self.get(job_id, wait=wait)
            if job.done:
                return _result_of(job)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")
            if wait == 0:   # under a second left: poll, not spin
                await asyncio.sleep(min(0.25, max(0.0, left)))

    async def cancel(self, job_id: str) -> CancelAnswer:
        r: CancelAnswer = await self._do(_ops.cancel(job_id))
        return r

    def follow(self, job_id: str, last_event_id: Optional[str] = None) -> "AsyncStream":
        return AsyncStream(self, lambda last: _ops.follow(job_id, last), job_id=job_id, last_event_id=last_event_id)

    async def submit_batch(self, jobs: Iterable[JobInput], *, env: Optional[str] = None,
                           idempotency_key: Optional[str] = None, callback_url: Optional[str] = None,
                           callback_events: Optional[Sequence[str]] = None) -> BatchAccepted:
        r: BatchAccepted = await self._do(_ops.submit_batch([to_body(j) for j in jobs], env, idempotency_key,
                                                            _ops.callback_fields(callback_url, callback_events)))
        return r

    async def get_batch(self, batch_id: str, *, offset: int = 0, limit: int = 100,
                        wait: Optional[int] = None) -> BatchPage:
        r: BatchPage = await self._do(_ops.get_batch(batch_id, offset, limit, wait, self.timeout))
        return r

    def run_batch(self, jobs: Iterable[JobInput], *, page_size: int = 500, max_open: int = 5000,
                  env: Optional[str] = None, on_progress: Optional[Callable[[Progress], None]] = None,
                  poll_s: float = 0.5, callback_url: Optional[str] = None,
                  callback_events: Optional[Sequence[str]] = None) -> "AsyncBatchRun":
        return AsyncBatchRun(self, BatchTracker.start(jobs, page_size, max_open, on_progress), env, poll_s,
                             _ops.callback_fields(callback_url, callback_events))

    # -- webhooks (docs/webhooks.md) -----------------------------------------------
    async def webhook(self) -> WebhookSettings:
        """The account's default callback URL, its events and the signing secret."""
        r: WebhookSettings = await self._do(_ops.get_webhook())
        return r

    async def set_webhook(self, url: str, events: Optional[Sequence[str]] = None) -> WebhookSettings:
        """Sets the default callback URL (events: job.completed, batch.completed, session.ended; all by default)."""
        r: WebhookSettings = await self._do(_ops.set_webhook(url, list(events) if events is not None else None))
        return r

    async def delete_webhook(self) -> WebhookSettings:
        """Removes the default callback URL (the secret stays)."""
        r: WebhookSettings = await self._do(_ops.delete_webhook())
        return r

    async def rotate_webhook_secret(self, grace_s: Optional[int] = None) -> WebhookSettings:
        """A new signing secret; the old one also signs for grace_s (a day by default)."""
        r: WebhookSettings = await self._do(_ops.rotate_webhook_secret(grace_s))
        return r

    async def deliveries(self, *, state: Optional[str] = None, subject: Optional[str] = None,
                         limit: Optional[int] = None) -> List[Delivery]:
        """The account's callback events, newest first (state="dead": the dead letters)."""
        r: List[Delivery] = await self._do(_ops.deliveries(state, subject, limit))
        return r

    async def replay_delivery(self, event_id: str) -> Delivery:
        """Sends an event again (a dead letter, or one delivered): the same id and body."""
        r: Delivery = await self._do(_ops.replay_delivery(event_id))
        return r

    async def job_deliveries(self, job_id: str) -> List[Delivery]:
        """A job's callback events, each with every attempt."""
        r: List[Delivery] = await self._do(_ops.job_deliveries(job_id))
        return r

    async def signup(self) -> Signup:
        r: Signup = await self._do(_ops.signup())
        return r

    async def account(self) -> Account:
        r: Account = await self._do(_ops.account())
        return r

    async def rotate_key(self, grace_s: Optional[int] = None) -> KeyIssued:
        r: KeyIssued = await self._do(_ops.rotate_key(grace_s))
        self.api_key = r.api_key
        return r

    async def envs(self) -> List[Env]:
        r: List[Env] = await self._do(_ops.envs())
        return r

    async def health(self) -> JSON:
        r: JSON = await self._do(_ops.health())
        return r

    async def metrics(self) -> str:
        r: str = await self._do(_ops.metrics())
        return r

    async def openapi(self) -> JSON:
        r: JSON = await self._do(_ops.openapi())
        return r

    async def session(self, *, memory_mb: Optional[int] = None, scratch_mb: Optional[int] = None,
                      idle_timeout_s: Optional[int] = None, max_lifetime_s: Optional[int] = None,
                      env: Optional[str] = None, callback_url: Optional[str] = None) -> "AsyncSession":
        body = {k: v for k, v in (("memory_mb", memory_mb), ("scratch_mb", scratch_mb),
                                  ("idle_timeout_s", idle_timeout_s), ("max_lifetime_s", max_lifetime_s),
                                  ("env", env), ("callback_url", callback_url)) if v is not None}
        info: SessionInfo = await self._do(_ops.create_session(body))
        return AsyncSession(self, info)

    async def sessions(self) -> List[SessionInfo]:
        r: List[SessionInfo] = await self._do(_ops.sessions())
        return r

    async def get_session(self, session_id: str) -> SessionInfo:
        r: SessionInfo = await self._do(_ops.get_session(session_id))
        return r

    async def delete_session(self, session_id: str) -> SessionInfo:
        r: SessionInfo = await self._do(_ops.delete_session(session_id))
        return r

    @overload
    async def session_exec(self, session_id: str, code: str, *, timeout: Optional[float] = None,
                     stdin: Union[str, bytes, None] = None, interactive: Optional[bool] = None,
                     stream: Literal[False] = False, cancel_on_disconnect: Optional[bool] = None) -> Result: ...

    @overload
    async def session_exec(self, session_id: str, code: str, *, timeout: Optional[float] = None,
                     stdin: Union[str, bytes, None] = None, interactive: Optional[bool] = None,
                     stream: Literal[True], cancel_on_disconnect: Optional[bool] = None) -> AsyncStream: ...

    async def session_exec(self, session_id: str, code: str, *, timeout: Optional[float] = None,
                           stdin: Union[str, bytes, None] = None, interactive: Optional[bool] = None,
                           stream: bool = False, cancel_on_disconnect: Optional[bool] = None) -> Union[Result, AsyncStream]:
        body = job_body(code, timeout=timeout, stdin=stdin, interactive=interactive,
                        stream=True if stream else None, cancel_on_disconnect=cancel_on_disconnect)
        call = _ops.session_exec(session_id, body, self.timeout)
        if stream:
            return AsyncStream(self, lambda last: call, resumable=False)
        res: Result = await self._do(call)
        return res

    async def fork_session(self, session_id: str) -> SessionInfo:
        r: SessionInfo = await self._do(_ops.fork_session(session_id))
        return r


class AsyncStream(StreamState):
    """`async for event in stream`, then `await stream.final()` (the Result)."""

    def __init__(self, client: AsyncClient, call: Callable[[Optional[str]], Call], *,
                 job_id: Optional[str] = None, resumable: bool = True,
                 last_event_id: Optional[str] = None) -> None:
        super().__init__(call, job_id, resumable, last_event_id)
        self._client = client
        self._resp: Optional[httpx.Response] = None
        self._lines: Optional[AsyncIterator[str]] = None   # kept: a loop left early goes on where it stopped

    async def __aiter__(self) -> AsyncIterator[Event]:
        attempt = 0
        while not self._done:
            try:
                if self._resp is None:
                    self._resp = await self._client._send(self._call(self._parser.last_id), stream=True)
                    self.job_id = self.job_id or self._resp.headers.get("x-job-id")
                if "text/event-stream" not in self._resp.headers.get("content-type", ""):
                    for replayed in self._json(json.loads(await self._resp.aread() or b"null")):
                        yield replayed
                    break
                if self._lines is None:
                    self._lines = self._resp.aiter_lines()
                async for line in self._lines:
                    ev = self._line(line)
                    if ev is not None:
                        yield ev
                    elif self._done:
                        break
                if not self._done:
                    raise httpx.RemoteProtocolError("the stream ended before its result")
            except httpx.TransportError as e:
                await self._drop()
                self._broken(e)
                await asyncio.sleep(self._client._transport_retry(self._call(None), e, attempt))
                attempt += 1
        await self._drop()

    async def _drop(self) -> None:
        self._lines = None
        if self._resp is not None:
            await self._resp.aclose()
            self._resp = None

    async def final(self) -> Result:
        """The Result (reads the rest of the stream first), or raises the job's error."""
        async for _ in self:
            pass
        return self._outcome()

    @property
    def result(self) -> Result:
        """The Result once the stream has been read to its end."""
        if not self._done:
            raise RuntimeError("the stream has not ended: `await stream.final()`")
        return self._outcome()

    async def aclose(self) -> None:
        self._done = True
        await self._drop()


class AsyncSession:
    def __init__(self, client: AsyncClient, info: SessionInfo) -> None:
        self._client = client
        self.id = info.session_id
        self.created = info

    async def exec(self, code: str, *, timeout: Optional[float] = None, stdin: Union[str, bytes, None] = None,
                   interactive: Optional[bool] = None) -> Result:
        r: Result = await self._client.session_exec(self.id, code, timeout=timeout, stdin=stdin,
                                                    interactive=interactive)
        return r

    async def stream(self, code: str, *, timeout: Optional[float] = None,
                     stdin: Union[str, bytes, None] = None) -> AsyncStream:
        s: AsyncStream = await self._client.session_exec(self.id, code, timeout=timeout, stdin=stdin, stream=True)
        return s

    async def fork(self) -> "AsyncSession":
        return AsyncSession(self._client, await self._client.fork_session(self.id))

    async def info(self) -> SessionInfo:
        return await self._client.get_session(self.id)

    async def close(self) -> None:
        try:
            await self._client.delete_session(self.id)
        except errors.NotFound:
            pass

    async def __aenter__(self) -> "AsyncSession":
        return self

    async def __aexit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException],
                        tb: Optional[TracebackType]) -> None:
        await self.close()


class AsyncBatchRun:
    """`async for item in client.run_batch(jobs)`: each job's BatchItem as it completes."""

    def __init__(self, client: AsyncClient, tracker: BatchTracker, env: Optional[str], poll_s: float,
                 callback: Optional[JSON] = None) -> None:
        self._client = client
        self.tracker = tracker
        self._env = env
        self._callback = callback
        self._poll_s = poll_s
        self._seen: List[BatchItem] = []
        self.batch_ids: List[str] = []

    async def __aiter__(self) -> AsyncIterator[BatchItem]:
        t = self.tracker
        idle = self._poll_s
        while not t.finished:
            page = t.next_page()
            while page is not None:
                acc = await self._client._do(_ops.submit_batch(page, self._env, t.page_key(), self._callback))
                self.batch_ids.append(acc.batch_id)
                t.submitted_page(acc.batch_id, acc.size)
                page = t.next_page()
            new = 0
            for batch_id, offset in t.reads():
                off: Optional[int] = offset
                while off is not None:
                    p = await self._client.get_batch(batch_id, offset=off, limit=1000)
                    for item in t.take(p):
                        new += 1
                        self._seen.append(item)
                        yield item
                    off = p.next_offset
            if t.finished:
                break
            idle = self._poll_s if new else min(idle * 1.5, 5.0)
            await asyncio.sleep(idle)

    async def results(self) -> List[BatchItem]:
        async for _ in self:
            pass
        return sorted(self._seen, key=lambda x: x.index)

    async def results_frame(self) -> Any:
        return results_frame(await self.results())


class AsyncAdmin:
    def __init__(self, client: AsyncClient) -> None:
        self._c = client

    async def accounts(self, q: Optional[str] = None, offset: Optional[int] = None,
                       limit: Optional[int] = None) -> JSON:
        r: JSON = await self._c._do(_ops.admin_accounts(q, offset, limit))
        return r

    async def account(self, account_id: str) -> JSON:
        r: JSON = await self._c._do(_ops.admin_account(account_id))
        return r

    async def usage(self, account_id: str, days: Optional[int] = None) -> JSON:
        r: JSON = await self._c._do(_ops.admin_usage(account_id, days))
        return r

    async def audit(self, account_id: str, limit: Optional[int] = None) -> JSON:
        r: JSON = await self._c._do(_ops.admin_audit(account_id, limit))
        return r

    async def grant(self, account_id: str, credits: int, reason: str, *,
                    idempotency_key: Optional[str] = None) -> JSON:
        r: JSON = await self._c._do(_ops.admin_grant(account_id, credits, reason, idempotency_key))
        return r

    async def new_key(self, account_id: str, reason: str, grace_s: Optional[int] = None) -> JSON:
        r: JSON = await self._c._do(_ops.admin_new_key(account_id, reason, grace_s))
        return r

    async def revoke_keys(self, account_id: str, reason: str) -> JSON:
        r: JSON = await self._c._do(_ops.admin_change(account_id, "keys/revoke", reason))
        return r

    async def suspend(self, account_id: str, reason: str) -> JSON:
        r: JSON = await self._c._do(_ops.admin_change(account_id, "suspend", reason))
        return r

    async def reinstate(self, account_id: str, reason: str) -> JSON:
        r: JSON = await self._c._do(_ops.admin_change(account_id, "reinstate", reason))
        return r

    async def set_limits(self, account_id: str, reason: str, **limits: Optional[int]) -> JSON:
        r: JSON = await self._c._do(_ops.admin_limits(account_id, reason, limits))
        return r
