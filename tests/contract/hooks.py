"""Schemathesis hooks for tests/contract: what docs/openapi.json cannot say.

JSON Schema cannot say that input files' names are distinct and that no
name lies inside another's ("a" and "a/b"): the server refuses such a
body (400 invalid_files, docs/api.md), so generated bodies that break the
rule are not sent as valid ones."""
import schemathesis


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
