"""GET /openapi.json: the OpenAPI 3.1 document (docs/openapi.json with the
JSON Schemas of schemas/ bundled in). Every answer the integration tests
receive through conftest's client is validated against it
(tests/openapi_check.py); this file checks the document itself and that the
check can fail."""
import json
import os
import re
import urllib.request

import pytest
from jsonschema import Draft202012Validator

import openapi_check
from conftest import TOP


def served(cluster):
    with urllib.request.urlopen(cluster.url + "/openapi.json", timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "application/json"
        return json.loads(r.read())


def test_the_served_document_is_the_bundle_and_well_formed(cluster):
    doc = served(cluster)
    assert doc == openapi_check.document()
    assert doc["openapi"] == "3.1.0"
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)   # each is valid JSON Schema 2020-12
    # The Kafka messages are the files of schemas/, not copies that drift.
    with open(os.path.join(TOP, "schemas", "result.schema.json")) as f:
        assert doc["components"]["schemas"]["KafkaResult"]["properties"] == json.load(f)["properties"]
    # Every $ref points at something.
    text = json.dumps(doc)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = doc
        for part in ref.split("/"):
            node = node[part]


def test_every_route_and_error_code_of_the_code_is_documented():
    doc = openapi_check.document()
    api_c = open(os.path.join(TOP, "producer-api", "api.c")).read()
    routes = re.findall(r'\{"(/[^"]*)", (\d), "([A-Z]+)", ROUTE_\w+, \d(?:, "([^"]*)")?\}', api_c)
    assert len(routes) >= 12
    for path, with_id, method, suffix in routes:
        template = next(p for p in doc["paths"] if p.startswith(path.rstrip("/")) and
                        ("{" in p) == (with_id == "1") and (with_id != "1" or p.endswith("}" + suffix)))
        assert method.lower() in doc["paths"][template], (path, method)
    codes = set()
    for name in os.listdir(os.path.join(TOP, "producer-api")):
        src = open(os.path.join(TOP, "producer-api", name)).read()
        codes |= set(re.findall(r'req_error\(r, [^,]+, "([a-z_]+)"', src))
        codes |= set(re.findall(r'req_(?:job_)?error_body\("([a-z_]+)"', src))
        codes |= set(re.findall(r'e->code = "([a-z_]+)"', src))
    documented = set(doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
    assert codes and codes <= documented, codes - documented


def test_each_operation_answers_as_documented(cluster, api):
    """One call of each operation through the validating client."""
    before = openapi_check.checked["answers"]
    status, signup = api.request("POST", "/v1/signup", headers={"Authorization": ""})
    assert status == 201
    user = api.with_key(signup["api_key"])
    assert user.request("GET", "/v1/account")[0] == 200
    assert user.run("import sys\nsys.stdout.buffer.write(b'\\xff')\nraise SystemExit(2)")[0] == 200
    assert user.run("print(1)", timeout=99)[0] == 400
    status, job = user.request("POST", "/v1/jobs", {"code": "print(2)"})
    assert status == 202
    assert user.request("GET", f"/v1/jobs/{job['job_id']}?wait=10")[0] == 200
    status, batch = user.request("POST", "/v1/batches", {"jobs": [{"code": "print(3)"}, {"code": "1/0"}]})
    assert status == 202
    assert user.request("GET", f"/v1/batches/{batch['batch_id']}?wait=10&limit=1")[0] == 200
    assert user.with_key("eq_wrong").request("GET", "/v1/account")[0] == 401
    assert user.request("GET", "/v1/nothing")[0] == 404
    assert user.request("GET", "/v1/exec-python")[0] == 405
    assert user.request("GET", "/healthz")[0] == 200
    assert user.request("GET", "/openapi.json")[0] == 200
    assert openapi_check.checked["answers"] == before + 13


def test_the_check_fails_on_an_answer_the_document_does_not_describe():
    good = {"ok": True, "stdout": "", "stderr": "", "exit_code": 0, "execution_time_ms": 1, "timed_out": False,
            "credits_used": 5, "_engine": "real", "job_id": "9b2f4c3e-1d2a-4b5c-8d9e-0f1a2b3c4d5e",
            "cpu_time_ms": 1, "peak_memory_kb": 1, "memory_exceeded": False, "stdout_truncated": False,
            "stderr_truncated": False}
    openapi_check.validate("POST", "/v1/exec-python", 200, "application/json", good)
    for bad in ({**good, "exit_code": "0"}, {**good, "surprise": 1}, {k: v for k, v in good.items() if k != "stdout"}):
        with pytest.raises(AssertionError):
            openapi_check.validate("POST", "/v1/exec-python", 200, "application/json", bad)
    with pytest.raises(AssertionError):   # a status the operation does not have
        openapi_check.validate("POST", "/v1/exec-python", 418, "application/json", good)
    with pytest.raises(AssertionError):   # another Content-Type
        openapi_check.validate("POST", "/v1/exec-python", 200, "text/html", good)
