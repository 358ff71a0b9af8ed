"""The seed's three curl examples, sent verbatim with curl (host aside),
give the seed's answers."""
import json
import subprocess


def curl(cluster, *args):
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    body, code = out.rsplit("\n", 1)
    return int(code), json.loads(body)


SEED_FIELDS = {"ok": bool, "stdout": str, "stderr": str, "exit_code": int, "execution_time_ms": int,
               "timed_out": bool, "credits_used": int, "_engine": str}


def check_seed_fields(body):
    for name, typ in SEED_FIELDS.items():
        assert name in body, name
        assert type(body[name]) is typ, (name, body[name])
    assert body["_engine"] == "real"


def test_basic_execution(cluster):
    code, body = curl(cluster, "-X", "POST", f"{cluster.url}/v1/exec-python",
                      "-H", "Authorization: Bearer demo_key_slopshop",
                      "-H", "Content-Type: application/json",
                      "-d", '''{
    "code": "import math\\nresult = math.sqrt(144) * 3.14159\\nprint(f\\"Result: {result:.4f}\\")",
    "timeout": 10
  }''')
    assert code == 200
    check_seed_fields(body)
    assert body["ok"] is True
    assert body["stdout"] == "Result: 37.6991\n"
    assert body["stderr"] == ""
    assert body["exit_code"] == 0
    assert body["timed_out"] is False
    assert body["credits_used"] == 5


def test_timeout_example(cluster):
    code, body = curl(cluster, "-X", "POST", f"{cluster.url}/v1/exec-python",
                      "-H", "Authorization: Bearer demo_key_slopshop",
                      "-d", '''{
    "code": "import time\\nfor i in range(100):\\n    print(i)\\n    time.sleep(1)",
    "timeout": 3
  }''')
    assert code == 200
    check_seed_fields(body)
    assert body["ok"] is True
    assert body["stdout"] == "0\n1\n2\n"
    assert body["timed_out"] is True
    assert body["exit_code"] == -1
    assert 2900 <= body["execution_time_ms"] <= 3500
    assert body["credits_used"] == 5


def test_error_example(cluster):
    code, body = curl(cluster, "-X", "POST", f"{cluster.url}/v1/exec-python",
                      "-H", "Authorization: Bearer demo_key_slopshop",
                      "-d", '''{
    "code": "x = 1 / 0\\nprint(x)"
  }''')
    assert code == 200
    check_seed_fields(body)
    assert body["ok"] is True
    assert body["stdout"] == ""
    assert body["stderr"].startswith("Traceback (most recent call last):\n")
    assert "ZeroDivisionError: division by zero\n" in body["stderr"]
    assert body["exit_code"] == 1
    assert body["timed_out"] is False
