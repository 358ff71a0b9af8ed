"""Exceptions: one class per error code of the API (docs/api.md, Errors).

Every error the server answers is `{"ok": false, "error": {"code", "message"}}`;
the client raises the class of its code, carrying the code, the message, the
HTTP status, the job id when a job was made, and Retry-After when given.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Type


__all__ = ["ExecqError", "ConfigError", "ConnectionFailed", "ProtocolError", "InvalidInput", "AuthError",
           "Unavailable", "Throttled", "JobFailed", "InvalidJson", "InvalidRequest", "InvalidTimeout",
           "InvalidMemory", "InvalidScratch", "InvalidFiles", "InvalidEnv", "UnknownEnv", "InvalidRequirements",
           "RequirementsDisabled", "PayloadTooLarge", "HeadersTooLarge", "IdempotencyKeyReused", "NotFound",
           "MethodNotAllowed", "Unauthorized", "AccountSuspended", "InsufficientCredits", "TooManySignups",
           "TooManyJobs", "RateLimited", "TooManySessions", "Internal", "BadResult", "Overloaded",
           "QueueUnavailable", "ExecutionFailed", "ShuttingDown", "StoreUnavailable", "SessionUnavailable",
           "NoResult", "Expired", "Unconfirmed", "Lost", "Cancelled", "AlreadyFinished", "SessionLost",
           "SessionStarting", "ForkUnsupported", "EnvUnavailable", "InvalidCallbackUrl", "DeliveryPending",
           "InvalidSignature", "ERRORS", "from_body"]


class ExecqError(Exception):
    """Any error from execq. `code` is the API's error code."""

    code: str = "error"

    def __init__(self, message: str, *, code: Optional[str] = None, status: Optional[int] = None,
                 job_id: Optional[str] = None, retry_after: Optional[float] = None,
                 body: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.status = status
        self.job_id = job_id
        self.retry_after = retry_after
        self.body = body

    def __str__(self) -> str:
        where = f" (HTTP {self.status})" if self.status else ""
        job = f" [job {self.job_id}]" if self.job_id else ""
        return f"{self.code}{where}: {self.message}{job}"


class ConfigError(ExecqError):
    """No key, or an unreadable credentials file."""
    code = "config"


class ConnectionFailed(ExecqError):
    """The server could not be reached (after the retries)."""
    code = "connection_failed"


class ProtocolError(ExecqError):
    """The server's answer was not what the API documents."""
    code = "protocol"


# Families, so callers can catch a kind of failure.
class InvalidInput(ExecqError):
    """400/413/422: the request was refused; nothing was charged."""


class AuthError(ExecqError):
    """401/403."""


class Unavailable(ExecqError):
    """503: the service could not take or run the job now."""


class Throttled(ExecqError):
    """429: over a limit; `retry_after` says when to come back."""


class JobFailed(ExecqError):
    """The job was accepted but produced no result (expired, lost, no_result, ...)."""


class InvalidJson(InvalidInput):
    """The body was not JSON."""
    code = "invalid_json"

class InvalidRequest(InvalidInput):
    """A field was missing or malformed."""
    code = "invalid_request"

class InvalidTimeout(InvalidInput):
    """timeout not in (0, 30]."""
    code = "invalid_timeout"

class InvalidMemory(InvalidInput):
    """memory_mb out of range."""
    code = "invalid_memory"

class InvalidScratch(InvalidInput):
    """scratch_mb out of range."""
    code = "invalid_scratch"

class InvalidFiles(InvalidInput):
    """files malformed."""
    code = "invalid_files"

class InvalidEnv(InvalidInput):
    """env is not a name."""
    code = "invalid_env"

class UnknownEnv(InvalidInput):
    """No executor offers that env."""
    code = "unknown_env"

class InvalidRequirements(InvalidInput):
    """requirements malformed."""
    code = "invalid_requirements"

class RequirementsDisabled(InvalidInput):
    """The server does not take a job's own requirements."""
    code = "requirements_disabled"

class PayloadTooLarge(InvalidInput):
    """Body or code too large."""
    code = "payload_too_large"

class HeadersTooLarge(InvalidInput):
    """Headers over 8 KiB."""
    code = "headers_too_large"

class IdempotencyKeyReused(InvalidInput):
    """The Idempotency-Key was used with another body."""
    code = "idempotency_key_reused"

class NotFound(InvalidInput):
    """No such route, job, batch or session for this key."""
    code = "not_found"

class MethodNotAllowed(InvalidInput):
    """Wrong method."""
    code = "method_not_allowed"

class Unauthorized(AuthError):
    """No key, or an unknown or expired one."""
    code = "unauthorized"

class AccountSuspended(AuthError):
    """The operator suspended the account."""
    code = "account_suspended"

class InsufficientCredits(ExecqError):
    """402: the balance is short; nothing was queued."""
    code = "insufficient_credits"

class TooManySignups(Throttled):
    """Signups per hour from this address."""
    code = "too_many_signups"

class TooManyJobs(Throttled):
    """The account's open or waiting jobs are at a limit."""
    code = "too_many_jobs"

class RateLimited(Throttled):
    """Over the key's requests per second."""
    code = "rate_limited"

class TooManySessions(Throttled):
    """The account's open sessions are at a limit."""
    code = "too_many_sessions"

class Internal(ExecqError):
    """500: a server fault."""
    code = "internal"

class BadResult(ExecqError):
    """502: an executor sent a result the API could not read."""
    code = "bad_result"

class Overloaded(Unavailable):
    """Too many calls waiting at the API."""
    code = "overloaded"

class QueueUnavailable(Unavailable):
    """Kafka could not take the job."""
    code = "queue_unavailable"

class ExecutionFailed(Unavailable):
    """No sandbox could be built; nothing ran."""
    code = "execution_failed"

class ShuttingDown(Unavailable):
    """The API is stopping."""
    code = "shutting_down"

class StoreUnavailable(Unavailable):
    """The account store did not answer."""
    code = "store_unavailable"

class SessionUnavailable(Unavailable):
    """No executor had room."""
    code = "session_unavailable"

class NoResult(JobFailed):
    """504: no result within the timeout and grace."""
    code = "no_result"

class Expired(JobFailed):
    """The job reached an executor after its deadline."""
    code = "expired"

class Unconfirmed(JobFailed):
    """Kafka neither took nor refused the job."""
    code = "unconfirmed"

class Lost(JobFailed):
    """The job was lost with its executor."""
    code = "lost"

class Cancelled(JobFailed):
    """The job was cancelled before it ran (refunded)."""
    code = "cancelled"

class AlreadyFinished(InvalidInput):
    """Cancel of a job that has ended."""
    code = "already_finished"

class SessionLost(JobFailed):
    """410: the session has ended."""
    code = "session_lost"

class SessionStarting(Unavailable):
    """409: the session is still being made."""
    code = "session_starting"

class ForkUnsupported(InvalidInput):
    """A session with scratch cannot be forked."""
    code = "fork_unsupported"

class EnvUnavailable(Unavailable):
    """The env is building or failed everywhere."""
    code = "env_unavailable"

class InvalidCallbackUrl(InvalidInput):
    """A callback_url (or the webhook's url) that is refused: not https, or a private address."""
    code = "invalid_callback_url"

class DeliveryPending(InvalidInput):
    """409: a replay of a delivery that is pending already."""
    code = "delivery_pending"


class InvalidSignature(ExecqError):
    """A webhook whose Execq-Signature does not match its body (webhooks.parse_event)."""
    code = "invalid_signature"


ERRORS: Dict[str, Type[ExecqError]] = {
    c.code: c for c in (
        InvalidJson, InvalidRequest, InvalidTimeout, InvalidMemory, InvalidScratch, InvalidFiles, InvalidEnv,
        UnknownEnv, InvalidRequirements, RequirementsDisabled, PayloadTooLarge, HeadersTooLarge,
        IdempotencyKeyReused, NotFound, MethodNotAllowed, Unauthorized, AccountSuspended, InsufficientCredits,
        TooManySignups, TooManyJobs, RateLimited, TooManySessions, Internal, BadResult, Overloaded,
        QueueUnavailable, ExecutionFailed, ShuttingDown, StoreUnavailable, SessionUnavailable, NoResult, Expired,
        Unconfirmed, Lost, Cancelled, AlreadyFinished, SessionLost, SessionStarting, ForkUnsupported,
        EnvUnavailable, InvalidCallbackUrl, DeliveryPending)
}


def from_body(body: Any, status: Optional[int], retry_after: Optional[float] = None,
              job_id: Optional[str] = None) -> ExecqError:
    """The exception for an error body (or for a body that is not one)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = str(err.get("code", "error"))
        cls = ERRORS.get(code, ExecqError)
        return cls(str(err.get("message", "")), code=code, status=status,
                   job_id=body.get("job_id") or job_id, retry_after=retry_after, body=body)
    return ProtocolError(f"unexpected answer: {str(body)[:200]}", status=status, job_id=job_id, retry_after=retry_after)
