"""run_batch's bookkeeping, shared by both clients (no I/O): which jobs to
submit next, which batch pages to read, which results are new."""
from __future__ import annotations

import importlib
import itertools
from collections.abc import Sized
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Union

from . import errors
from ._core import idempotency_key, job_body
from .models import JSON, BatchItem, BatchPage, Progress

JobInput = Union[str, Mapping[str, Any]]
MAX_BATCH_JOBS = 1000   # the API's --max-batch-jobs default


def to_body(job: JobInput) -> JSON:
    """A job of a batch: a str is its code; a mapping takes exec_python's keyword arguments."""
    if isinstance(job, str):
        return job_body(job)
    if isinstance(job, Mapping):
        kw = dict(job)
        if "code" not in kw:
            raise ValueError("a batch job needs 'code'")
        return job_body(**kw)
    raise TypeError(f"a batch job is a str or a mapping, not {type(job).__name__}")


@dataclass
class _Batch:
    batch_id: str
    base: int             # the input index of its first job
    done: List[bool]
    first_open: int = 0   # every job before it has been yielded


@dataclass
class BatchTracker:
    jobs: Iterator[JobInput]
    page_size: int
    max_open: int
    total: Optional[int]
    on_progress: Optional[Callable[[Progress], None]]
    run_key: str = field(default_factory=idempotency_key)
    submitted: int = 0
    completed: int = 0
    failed: int = 0
    exhausted: bool = False
    batches: List[_Batch] = field(default_factory=list)
    pages: int = 0

    @classmethod
    def start(cls, jobs: Iterable[JobInput], page_size: int, max_open: int,
              on_progress: Optional[Callable[[Progress], None]]) -> "BatchTracker":
        if not 1 <= page_size <= MAX_BATCH_JOBS:
            raise ValueError(f"page_size must be 1 to {MAX_BATCH_JOBS}")
        total = len(jobs) if isinstance(jobs, Sized) else None
        return cls(iter(jobs), page_size, max(max_open, page_size), total, on_progress)

    @property
    def open(self) -> int:
        return self.submitted - self.completed - self.failed

    def next_page(self) -> Optional[List[JSON]]:
        """The bodies of the next page to submit, or None (no room, or no more jobs)."""
        if self.exhausted or self.open >= self.max_open:
            return None
        room = min(self.page_size, self.max_open - self.open)
        page = [to_body(j) for j in itertools.islice(self.jobs, room)]
        if not page:
            self.exhausted = True
            return None
        return page

    def page_key(self) -> str:
        """The Idempotency-Key of the next page: a retried submission makes no second batch."""
        return f"{self.run_key}-{self.pages}"

    def submitted_page(self, batch_id: str, size: int) -> None:
        self.batches.append(_Batch(batch_id, self.submitted, [False] * size))
        self.submitted += size
        self.pages += 1
        self.progress()

    @property
    def finished(self) -> bool:
        return self.exhausted and not self.batches

    def reads(self) -> List[tuple[str, int]]:
        """(batch_id, offset) to read: each open batch from its first unfinished job."""
        return [(b.batch_id, b.first_open) for b in self.batches]

    def take(self, page: BatchPage) -> List[BatchItem]:
        """The page's jobs that completed since the last look."""
        b = next((x for x in self.batches if x.batch_id == page.batch_id), None)
        if b is None:
            return []
        out: List[BatchItem] = []
        for i, job in enumerate(page.jobs, page.offset):
            if i >= len(b.done) or b.done[i] or not job.done:
                continue
            b.done[i] = True
            if job.result is not None:
                self.completed += 1
                out.append(BatchItem(b.base + i, job.job_id, job.result))
            else:
                self.failed += 1
                out.append(BatchItem(b.base + i, job.job_id, None,
                                     errors.from_body(job.error or {}, None, job_id=job.job_id)))
        while b.first_open < len(b.done) and b.done[b.first_open]:
            b.first_open += 1
        if b.first_open == len(b.done):
            self.batches.remove(b)
        if out:
            self.progress()
        return out

    def progress(self) -> None:
        if self.on_progress:
            self.on_progress(Progress(self.submitted, self.completed, self.failed, self.total))


def results_frame(items: List[BatchItem]) -> Any:
    """A pandas DataFrame of batch items, one row per job, in input order."""
    try:
        pd = importlib.import_module("pandas")
    except ImportError as e:   # pragma: no cover - depends on the caller's install
        raise ImportError("results_frame() needs pandas: pip install 'execq[pandas]'") from e
    cols = ("exit_code", "stdout", "stderr", "timed_out", "memory_exceeded", "execution_time_ms")
    rows: List[Dict[str, Any]] = []
    for it in sorted(items, key=lambda x: x.index):
        r = it.result
        rows.append({"index": it.index, "job_id": it.job_id, "ok": r is not None,
                     **{c: getattr(r, c) if r else None for c in cols},
                     "credits_used": r.credits_used if r else 0,   # a job that never ran was refunded
                     "error": getattr(it.error, "code", None) if it.error else None})
    return pd.DataFrame(rows).set_index("index")
