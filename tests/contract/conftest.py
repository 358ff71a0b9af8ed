"""The contract run's executors hold more sessions than the default: the
fuzzer makes sessions of up to --max-memory-mb each (and forks them) and
never waits for one to end, so with the default budget (4 sessions, 1 GiB
per executor) an executor would answer 503 session_unavailable, which the
fuzzer counts as a server error. The account's own limit (5 open) still
holds: 429 too_many_sessions, declared."""
import os

os.environ.setdefault("EXECQ_SESSION_SLOTS", "8")
os.environ.setdefault("EXECQ_SESSION_MEMORY_MB", "8192")
