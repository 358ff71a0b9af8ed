"""execq: run untrusted Python over an API, sandboxed, with a hard timeout.

    from execq import Client
    with Client() as c:                      # EXECQ_URL, EXECQ_API_KEY, or `execq signup`'s file
        print(c.run("print(6 * 7)").stdout)  # 42
"""
from . import errors, webhooks
from ._core import OPERATIONS
from .aio import AsyncAdmin, AsyncBatchRun, AsyncClient, AsyncSession, AsyncStream
from .client import Admin, BatchRun, Client, Session, Stream
from .errors import *  # noqa: F401,F403  (one class per API error code: errors.__all__)
from .errors import ERRORS, ExecqError
from .models import (Account, BatchAccepted, BatchItem, BatchPage, CancelAnswer, Delivery, DeliveryAttempt, Env, Event,
                     Image, Job, JobAccepted, KeyIssued, OutputFile, Progress, Result, SessionInfo, SessionRef, Signup,
                     WebhookSettings)
from .webhooks import parse_event, verify_signature

__version__ = "0.1.0"

__all__ = ["Client", "AsyncClient", "Stream", "AsyncStream", "Session", "AsyncSession", "BatchRun",
           "AsyncBatchRun", "Admin", "AsyncAdmin", "Result", "OutputFile", "Image", "Job", "JobAccepted",
           "BatchAccepted", "BatchPage", "BatchItem", "Progress", "Account", "Signup", "KeyIssued", "CancelAnswer",
           "SessionInfo", "SessionRef", "Env", "Event", "ExecqError", "ERRORS", "OPERATIONS", "errors",
           "WebhookSettings", "Delivery", "DeliveryAttempt", "verify_signature", "parse_event", "webhooks"]
__all__ += [n for n in errors.__all__ if n not in __all__]
