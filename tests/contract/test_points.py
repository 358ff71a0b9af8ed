"""Issue 31's points, one regression test each: where the server and
docs/openapi.json disagreed, and which side was fixed."""
import json
import os
import uuid

from conftest import ADMIN_TOKEN, TOP, Api

SPEC = json.load(open(os.path.join(TOP, "docs", "openapi.json")))
SCHEMAS = SPEC["components"]["schemas"]


def param(path, name):
    return next(p for p in SPEC["paths"][path]["get"]["parameters"] if p.get("name") == name)


def admin(api):
    return Api(api.url, ADMIN_TOKEN)


def test_wait_has_the_servers_bounds(api):
    """wait=4352731 was schema-valid and refused: the schema now says 0-30."""
    for path in ("/v1/jobs/{job_id}", "/v1/batches/{batch_id}"):
        assert param(path, "wait")["schema"] == {"type": "integer", "minimum": 0, "maximum": 30}
    jid = str(uuid.uuid4())
    status, body = api.request("GET", f"/v1/jobs/{jid}?wait=31")
    assert status == 400 and "wait" in body["error"]["message"], body


def test_stdin_and_stdin_b64_together_are_refused_and_said_so(api):
    assert SCHEMAS["JobRequest"]["not"]["required"] == ["stdin", "stdin_b64"]
    status, body = api.request("POST", "/v1/jobs", {"code": "1", "stdin": "a", "stdin_b64": "YQ=="})
    assert status == 400 and "not both" in body["error"]["message"], body


def test_null_is_absent_and_said_so(api):
    """"stdin_b64": null in a batch job was accepted while the schema said
    string: null is as if absent, on every optional field, and the schema
    says so."""
    for f in ("timeout", "stdin", "stdin_b64", "memory_mb", "scratch_mb", "files"):
        assert "null" in SCHEMAS["JobRequest"]["properties"][f]["type"], f
    status, body = api.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)", "stdin_b64": None,
                                                                  "timeout": None}]})
    assert status == 202, body


def test_a_reused_idempotency_key_is_a_declared_422(api):
    key = str(uuid.uuid4())
    status, body = api.request("POST", "/v1/jobs", {"code": "print(1)"}, headers={"Idempotency-Key": key})
    assert status == 202, body
    status, body = api.request("POST", "/v1/jobs", {"code": "print(2)"}, headers={"Idempotency-Key": key})
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused", body   # validated against the spec
    for path in ("/v1/exec-python", "/v1/jobs", "/v1/batches", "/v1/admin/accounts/{account_id}/credits"):
        assert "422" in SPEC["paths"][path]["post"]["responses"], path


def test_admin_query_numbers_are_whole_numbers(api):
    """offset=null was read as 0 (200); now 400, as the schema says integer."""
    for q in ("offset=null", "offset=1.5", "limit=abc", "offset=1099511627777"):
        status, body = admin(api).request("GET", f"/v1/admin/accounts?{q}")
        assert status == 400, (q, body)
    status, body = admin(api).request("GET", "/v1/admin/accounts/demo/usage?days=x")
    assert status == 400, body
    status, body = admin(api).request("GET", "/v1/admin/accounts/demo/audit?limit=null")
    assert status == 400, body
    status, body = admin(api).request("GET", "/v1/admin/accounts?offset=0&limit=5")
    assert status == 200, body


def test_a_nul_is_named_where_it_is(api):
    """A NUL in an admin body's key was answered "code and stdin may not
    contain NUL characters"; the error now names the key or field."""
    status, body = admin(api).request("POST", "/v1/admin/accounts/demo/limits",
                                      raw=b'{"x\\u0000": 1, "reason": "r"}', headers={"Content-Type": "application/json"})
    assert status == 400 and "a key of the body" in body["error"]["message"], body
    status, body = admin(api).request("POST", "/v1/admin/accounts/demo/limits",
                                      raw=b'{"reason": "a\\u0000"}', headers={"Content-Type": "application/json"})
    assert status == 400 and '"reason"' in body["error"]["message"], body
    status, body = api.request("POST", "/v1/jobs", raw=b'{"code": "1", "stdin": "\\u0000"}',
                               headers={"Content-Type": "application/json"})
    assert status == 400 and '"stdin"' in body["error"]["message"] and "stdin_b64" in body["error"]["message"], body


def test_unknown_properties_are_ignored_everywhere_and_said_so(api):
    assert SCHEMAS["JobRequest"]["additionalProperties"] == {"$ref": "#/components/schemas/AnyNoNul"}
    status, body = api.request("POST", "/v1/jobs", {"code": "print(1)", "colour": "blue"})
    assert status == 202, body
    status, body = admin(api).request("POST", "/v1/admin/accounts/demo/limits", {"reason": "r", "colour": "blue"})
    assert status == 200, body


def test_links_follow_a_job_and_a_batch():
    links = SPEC["paths"]["/v1/jobs"]["post"]["responses"]["202"]["links"]["GetJob"]
    assert links["parameters"] == {"job_id": "$response.body#/job_id"}
    links = SPEC["paths"]["/v1/batches"]["post"]["responses"]["202"]["links"]["GetBatch"]
    assert links["parameters"] == {"batch_id": "$response.body#/batch_id"}
