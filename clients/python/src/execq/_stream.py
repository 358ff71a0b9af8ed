"""What a stream knows, whichever client reads it (no I/O): its SSE parser,
the request to (re)open it, and its outcome."""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from . import errors
from ._core import TERMINAL, Call, SSEParser, error_of_event
from .models import Event, Result


class StreamState:
    def __init__(self, call: Callable[[Optional[str]], Call], job_id: Optional[str], resumable: bool,
                 last_event_id: Optional[str]) -> None:
        self._call = call            # the request, given the last event id seen (to resume from)
        self._resumable = resumable  # a broken connection may be reopened (follow; an exec with a key)
        self._parser = SSEParser()
        self._parser.last_id = last_event_id   # a follow may start after events already seen
        self._result: Optional[Result] = None
        self._error: Optional[errors.ExecqError] = None
        self._done = False
        self.job_id = job_id

    def _line(self, line: str) -> Optional[Event]:
        """An output event to hand on, or None (a partial event, a comment, the end)."""
        ev = self._parser.feed(line)
        if ev is None:
            return None
        if ev.event in TERMINAL:
            self._done = True
            if ev.event == "result" and ev.data.get("ok") is not False:
                self._result = Result.from_json(ev.data)
            else:
                self._error = error_of_event(ev, self.job_id)
            return None
        return ev

    def _json(self, body: Any) -> List[Event]:
        """A plain JSON answer instead of a stream (an Idempotency-Key replay):
        the outcome, and its output as one event per stream."""
        self._done = True
        if not (isinstance(body, dict) and body.get("ok") is not False):
            self._error = errors.from_body(body, 200, job_id=self.job_id)
            return []
        self._result = Result.from_json(body)
        return [Event(name, {"offset": 0, "text": text})
                for name, text in (("stdout", self._result.stdout), ("stderr", self._result.stderr)) if text]

    def _broken(self, e: Exception) -> None:
        """Raises when a broken stream may not be reopened."""
        if not self._resumable:
            raise errors.ConnectionFailed(f"stream broken: {e!r}", job_id=self.job_id) from e

    def _outcome(self) -> Result:
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise errors.ProtocolError("the stream ended without a result", job_id=self.job_id)
        return self._result
