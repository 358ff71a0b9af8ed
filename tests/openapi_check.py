"""Checks an API answer against the OpenAPI document the API serves
(build/openapi.json, the bundle of docs/openapi.json and schemas/): the
path and method are described, the status is one of the operation's, the
Content-Type is the documented one, and a JSON body validates against the
documented schema (JSON Schema 2020-12, with the document's $refs). The
integration tests' client calls it on every answer it receives."""
import json
import os
import re

from jsonschema import Draft202012Validator, RefResolver

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_doc = None
_paths = None
checked = {"answers": 0}   # how many answers were checked (a test asserts it grows)


def document():
    global _doc, _paths
    if _doc is None:
        with open(os.path.join(TOP, "build", "openapi.json")) as f:
            _doc = json.load(f)
        _paths = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in _doc["paths"]]
    return _doc


def _schema_errors(schema, body):
    v = Draft202012Validator(schema, resolver=RefResolver.from_schema(document()))
    return sorted(v.iter_errors(body), key=lambda e: list(e.path))


def validate(method, url_path, status, content_type, body):
    """Raises AssertionError when the answer is not what the document says.
    body: the parsed JSON (or the text for non-JSON answers)."""
    doc = document()
    path = url_path.split("?", 1)[0]
    template = next((t for rx, t in _paths if rx.match(path)), None)
    method = "get" if method.upper() == "HEAD" else method.lower()
    if template is None or method not in doc["paths"][template]:
        # Unknown paths and wrong methods: the documented error shapes.
        assert status in (404, 405), f"{method.upper()} {path}: {status} for an undocumented path or method"
        responses = {"404": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                     "405": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    else:
        responses = doc["paths"][template][method]["responses"]
    spec = responses.get(str(status)) or responses.get("default")
    assert spec is not None, f"{method.upper()} {template or path}: status {status} is not documented"
    media = (content_type or "").split(";")[0].strip()
    documented = {k.split(";")[0].strip(): v for k, v in spec.get("content", {}).items()}
    assert media in documented, f"{method.upper()} {template}: {status} with Content-Type {content_type!r}, " \
                                f"documented {sorted(documented)}"
    schema = documented[media].get("schema")
    if media == "application/json" and schema is not None:
        errors = _schema_errors(schema, body)
        assert not errors, (f"{method.upper()} {template} {status} does not match the OpenAPI document: "
                            + "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]))
    checked["answers"] += 1
