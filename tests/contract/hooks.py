"""Schemathesis hooks for tests/contract: what docs/openapi.json cannot say.

JSON Schema cannot say that input files' names are distinct and that no
name lies inside another's ("a" and "a/b"): the server refuses such a
body (400 invalid_files, docs/api.md), so generated bodies that break the
rule are not sent as valid ones.

Which environments exist is the executors' to say (GET /v1/envs), not the
document's: a well-formed "env" no executor offers is 400 unknown_env. A
case meant to be valid names the default one (the contract stack declares
"test" too). Likewise "requirements" are refused on a server without
--allow-requirements (400 requirements_disabled), as the contract stack
is: a valid case carries none.

Schemathesis 4.32's coverage phase sends a header value outside its
parameter's pattern as valid data ("Last-Event-ID: 0", against
^[0-9]{1,12}\\.[0-9]{1,12}$; its hypothesis strategies keep to the pattern,
and the other phases then reuse the value): such a header is left out of a
case meant to be valid, just before it is sent."""
import re

import schemathesis

LAST_EVENT_ID = re.compile(r"[0-9]{1,12}\.[0-9]{1,12}")


def _clash(files):
    names = [f["name"] for f in files if isinstance(f, dict) and isinstance(f.get("name"), str)]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if a == b or a.startswith(b + "/") or b.startswith(a + "/"):
                return True
    return False


@schemathesis.hook
def filter_body(ctx, body):
    jobs = body.get("jobs") if isinstance(body, dict) and isinstance(body.get("jobs"), list) else [body]
    return not any(isinstance(j, dict) and isinstance(j.get("files"), list) and _clash(j["files"]) for j in jobs)


def _known_env(job):
    if isinstance(job, dict):
        if isinstance(job.get("env"), str):
            job["env"] = "default"
        job.pop("requirements", None)


@schemathesis.hook
def before_call(ctx, case, kwargs):
    meta = case.meta
    if not (meta and meta.generation.mode.is_positive):
        return
    if isinstance(case.body, dict):
        _known_env(case.body)
        jobs = case.body.get("jobs")
        for job in jobs if isinstance(jobs, list) else []:
            _known_env(job)
    if not case.headers:
        return
    for name in list(case.headers):
        v = case.headers[name]
        if name.lower() == "last-event-id" and not (isinstance(v, str) and LAST_EVENT_ID.fullmatch(v)):
            del case.headers[name]
