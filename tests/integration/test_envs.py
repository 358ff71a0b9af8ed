"""Environments (issue 27): package sets an operator declares, built once by
the executor from a package index (tests/pkgindex.py on loopback), each
warmed in a zygote of its own and named by jobs, batches and sessions with
"env". A stack of its own: one executor (so which zygote runs where is
known), its env zygotes limited to 0 MiB together (so starting one stops
every idle other: the LRU eviction is deterministic)."""
import json
import os
import re
import stat
import subprocess
import time
import urllib.request

import pytest

from conftest import SANDBOX_UID_BASES, TEST_ENV_REQUIREMENTS, TOP, Api, Cluster, list_envs, wait_env
from pkgindex import PTH_MARKER, PackageIndex
from test_pipeline import consume

UID_BASE = SANDBOX_UID_BASES[1] + 50000   # apart from the shared stack's, which may run beside this one
SDIST_MARKER = "/tmp/execq-sdist-ran"


@pytest.fixture(scope="module")
def stack():
    c = Cluster()
    c.env["EXECQ_ALLOW_REQUIREMENTS"] = "1"   # the API and the executor alike
    try:
        c.start_kafka()
        c.index = PackageIndex().start()
        util2 = c.index.sha256("execq_util-2.0-py3-none-any.whl")
        c.declare_env("test", TEST_ENV_REQUIREMENTS)
        c.declare_env("test2", "execq-util==2.0\n# execq: warm_imports=execq_util\n")
        c.declare_env("broken", "execq-nope==1.0\n")
        c.declare_env("nowheel", "execq-sdist-only==1.0\n")
        c.declare_env("hashed", f"execq-util==2.0 --hash=sha256:{util2}\n# execq: warm_imports=execq_util\n")
        c.declare_env("badhash", f"execq-util==2.0 --hash=sha256:{'0' * 64}\n")
        c.start_executor("executor-1", UID_BASE, extra=["--env-zygotes-mb=0"])
        c.url = c.start_api()
        c.api = Api(c.url, "demo_key_slopshop")
        for name in ("test", "test2", "hashed"):
            wait_env(c.url, name, ready=1)
        for name in ("broken", "nowheel", "badhash"):
            wait_env(c.url, name, state="failed")
    except BaseException:
        c.shutdown()
        raise
    yield c
    c.shutdown()


def run(stack, code, **kw):
    status, body = stack.api.run(code, **kw)
    assert status == 200, body
    return body


def test_environments_are_listed_with_their_python_and_packages(stack):
    envs = list_envs(stack.url)
    assert list(envs)[0] == "default"
    py = subprocess.run(["/usr/bin/python3", "-c", "import sys; print(sys.version.split()[0])"],
                        capture_output=True, text=True).stdout.strip()
    for name, pkgs in (("test", {"execq-hello": "1.0", "execq-util": "3.0"}), ("test2", {"execq-util": "2.0"}),
                       ("hashed", {"execq-util": "2.0"})):
        e = envs[name]
        assert e["state"] == "ready" and e["python"] == py, e
        assert {p["name"]: p["version"] for p in e["packages"]} == pkgs, e
        assert e["executors"] == {"ready": 1, "building": 0, "failed": 0}
        assert re.fullmatch(r"[0-9a-f]{64}", e["hash"])
    assert envs["test"]["warm_imports"] == ["json", "execq_hello"]
    d = envs["default"]
    assert d["state"] == "ready" and d["python"] == py
    assert {"numpy", "pandas"} <= {p["name"] for p in d["packages"]}, d["packages"]


def test_a_build_that_fails_says_which_package_and_why(stack):
    envs = list_envs(stack.url)
    assert envs["broken"]["state"] == "failed"
    assert "execq-nope==1.0: no such package" in envs["broken"]["error"], envs["broken"]
    assert envs["nowheel"]["state"] == "failed"
    assert "only source distributions" in envs["nowheel"]["error"], envs["nowheel"]
    assert "packages" not in envs["broken"]
    # Wheels only: nothing of the source distribution ever ran.
    assert not os.path.exists(SDIST_MARKER)
    # A hash that does not match is pip's refusal, not an environment.
    assert envs["badhash"]["state"] == "failed"
    assert "hash" in envs["badhash"]["error"].lower(), envs["badhash"]
    for name in ("broken", "nowheel", "badhash"):
        status, body = stack.api.run("print(1)", env=name)
        assert status == 409 and body["error"]["code"] == "env_unavailable", body
        assert name in body["error"]["message"]
    # The default environment is untouched by them.
    assert run(stack, "print('fine')")["stdout"] == "fine\n"


def test_a_job_runs_with_its_environment_read_only(stack):
    body = run(stack, "import execq_hello, execq_hello.lazy, os\n"
                      "print(execq_hello.greet())\n"
                      "print(execq_hello.lazy.WHAT)\n"
                      "print(open(os.path.join(os.path.dirname(execq_hello.__file__), 'data.txt')).read(), end='')\n"
                      "import numpy\n"
                      "print('numpy', numpy.__version__ is not None)\n"
                      "for p in (execq_hello.__file__, os.path.dirname(execq_hello.__file__) + '/new.py'):\n"
                      "    try:\n"
                      "        open(p, 'a')\n"
                      "        print('WRITABLE', p)\n"
                      "    except OSError as e:\n"
                      "        print('ro', e.errno)\n", env="test")
    assert body["exit_code"] == 0, body["stderr"]
    assert body["env"] == "test"
    assert body["stdout"] == ("hello from execq-hello 1.0, util 3.0\nimported on demand\ndata beside the module\n"
                              "numpy True\nro 30\nro 30\n"), body
    # Each environment its own versions; the default has neither package.
    assert run(stack, "import execq_util; print(execq_util.VERSION)", env="test2")["stdout"] == "2.0\n"
    assert run(stack, "import execq_util; print(execq_util.VERSION)", env="test")["stdout"] == "3.0\n"
    body = run(stack, "import execq_hello")
    assert body["exit_code"] == 1 and "No module named 'execq_hello'" in body["stderr"]
    assert "env" not in body
    assert run(stack, "import execq_util", env="default")["exit_code"] == 1


def test_the_job_sees_its_environment_at_usr_local_and_nothing_of_the_cache(stack):
    body = run(stack, "import os, sys, execq_hello\n"
                      "print(execq_hello.__file__)\n"
                      "print(sorted(os.listdir('/usr/local')))\n"
                      "print(open('/proc/self/mountinfo').read())\n", env="test")
    lines = body["stdout"].splitlines()
    assert lines[0] == "/usr/local/lib/python3.11/site-packages/execq_hello/__init__.py", body
    assert lines[1] == "['bin', 'execq-env.json', 'include', 'lib', 'lib64', 'pyvenv.cfg']", body
    assert stack.env_cache not in body["stdout"] and "execq-test" not in body["stdout"], body
    # On the host: built by nobody, then made root's and read-only for others.
    built = [d for d in os.listdir(stack.env_cache) if d.startswith("test-")]
    assert len(built) == 1, built
    for top, dirs, files in os.walk(os.path.join(stack.env_cache, built[0])):
        for n in dirs + files:
            st = os.lstat(os.path.join(top, n))
            assert st.st_uid == 0 and st.st_gid == 0, (top, n, st)
            assert stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o022, (top, n, st)


def test_unknown_and_malformed_env_names_are_refused_before_any_charge(stack):
    before = stack.api.request("GET", "/v1/account")[1]["balance"]
    status, body = stack.api.run("print(1)", env="nosuch")
    assert status == 400 and body["error"]["code"] == "unknown_env", body
    assert "known: default, " in body["error"]["message"] and "test" in body["error"]["message"]
    for bad in ("Test", "a b", "", 7, "x" * 40, "../etc"):
        status, body = stack.api.run("print(1)", env=bad)
        assert status == 400 and body["error"]["code"] == "invalid_env", (bad, body)
    status, body = stack.api.request("POST", "/v1/jobs", {"code": "print(1)", "env": "nosuch"})
    assert status == 400 and body["error"]["code"] == "unknown_env"
    status, body = stack.api.request("POST", "/v1/batches", {"jobs": [{"code": "print(1)"},
                                                                      {"code": "print(2)", "env": "nosuch"}]})
    assert status == 400 and body["error"]["code"] == "unknown_env"
    status, body = stack.api.request("POST", "/v1/sessions", {"env": "nosuch"})
    assert status == 400 and body["error"]["code"] == "unknown_env"
    assert stack.api.request("GET", "/v1/account")[1]["balance"] == before


def test_a_batch_names_an_environment_for_its_jobs(stack):
    status, body = stack.api.request("POST", "/v1/batches", {"env": "test2", "jobs": [
        {"code": "import execq_util; print(execq_util.VERSION)"},
        {"code": "import execq_util; print(execq_util.VERSION)", "env": "test"},
        {"code": "import sys; print('execq_util' in sys.modules)", "env": "default"}]})
    assert status == 202, body
    status, b = stack.api.request("GET", f"/v1/batches/{body['batch_id']}?wait=30")
    assert status == 200 and b["completed"], b
    out = [j["result"]["stdout"] for j in b["jobs"]]
    assert out == ["2.0\n", "3.0\n", "False\n"], out
    assert [j["result"].get("env") for j in b["jobs"]] == ["test2", "test", None]


def test_a_session_runs_in_its_environment(stack):
    status, s = stack.api.request("POST", "/v1/sessions", {"env": "test"})
    assert status == 201, s
    sid = s["session_id"]
    try:
        status, body = stack.api.request("POST", f"/v1/sessions/{sid}/exec",
                                         {"code": "import execq_hello\ng = execq_hello.greet()"})
        assert status == 200 and body["exit_code"] == 0, body
        status, body = stack.api.request("POST", f"/v1/sessions/{sid}/exec", {"code": "print(g)"})
        assert body["stdout"] == "hello from execq-hello 1.0, util 3.0\n", body
        status, body = stack.api.request("POST", f"/v1/sessions/{sid}/exec", {"code": "print(1)", "env": "test2"})
        assert status == 400 and "env" in body["error"]["message"], body
    finally:
        stack.api.request("DELETE", f"/v1/sessions/{sid}")


def test_idle_zygotes_are_stopped_least_recently_used_first_and_started_again_on_demand(stack):
    """--env-zygotes-mb=0: starting one environment's zygote stops every
    idle other; the job that waits for a start reports it."""
    # A zygote held by a slot at that moment (a job, or the sandbox it
    # builds ahead) is not stopped: a few rounds make the case.
    for _ in range(6):
        run(stack, "print(1)", env="test2")          # test2 running: test's stopped if idle
        body = run(stack, "import execq_hello; print(execq_hello.greet())", env="test")
        if "env_cold_start_ms" in body:
            break
    assert body["env_cold_start_ms"] >= 0, body   # started again for this job
    assert body["stdout"].startswith("hello"), body
    again = run(stack, "print(2)", env="test")
    assert "env_cold_start_ms" not in again, again   # running now
    with urllib.request.urlopen(f"http://{stack.metrics['executor-1']}/metrics", timeout=10) as r:
        text = r.read().decode()
    evictions = float(re.search(r"^execq_executor_env_evictions (\S+)$", text, re.M).group(1))
    starts = float(re.search(r"^execq_executor_env_cold_starts (\S+)$", text, re.M).group(1))
    assert evictions >= 1 and starts >= 2, (evictions, starts)
    assert re.search(r'^execq_executor_envs\{state="failed"\} 3$', text, re.M), text
    assert re.search(r"^execq_executor_env_zygotes [12]$", text, re.M), text
    log = stack.log("executor-1")
    assert "zygote stopped" in log and "over env-zygotes-mb 0" in log


def test_a_second_start_takes_the_built_environment_without_building_again(stack):
    hits = len(stack.index.hits)
    stack.stop("executor-1")
    stack.start_executor("executor-1", UID_BASE, extra=["--env-zygotes-mb=0"])
    deadline = time.time() + 60
    while "assigned" not in stack.log("executor-1") and time.time() < deadline:
        time.sleep(0.2)
    log = stack.log("executor-1")
    for name in ("test", "test2", "hashed"):
        assert re.search(rf"env {name}: built already \(.*\): not built again", log), log
        assert not re.search(rf"env {name}: building", log), log
    # The failed ones are tried again (a fixed index may serve them now); the
    # built ones asked nothing of the index.
    asked = [p for p in stack.index.hits[hits:] if "execq-hello" in p or "execq-util" in p]
    assert asked == [], asked
    body = run(stack, "import execq_hello; print(execq_hello.greet())", env="test")
    assert body["stdout"].startswith("hello from execq-hello"), body


def test_a_changed_requirements_file_is_a_new_build(stack):
    e = list_envs(stack.url)["test2"]
    with open(stack.envs["test2"], "a") as f:
        f.write("execq-hello==1.0\n")
    stack.stop("executor-1")
    stack.start_executor("executor-1", UID_BASE, extra=["--env-zygotes-mb=0"])
    deadline = time.time() + 120
    while time.time() < deadline:
        now = list_envs(stack.url).get("test2", {})
        if now.get("hash") != e["hash"] and now.get("state") == "ready":
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"test2 not built again: {list_envs(stack.url).get('test2')}")
    assert {p["name"] for p in now["packages"]} == {"execq-hello", "execq-util"}
    assert run(stack, "import execq_hello; print(1)", env="test2")["stdout"] == "1\n"


def test_env_notices_jobs_and_results_on_kafka_match_their_schemas(stack):
    import jsonschema
    schema = {n: json.load(open(os.path.join(TOP, "schemas", f"{n}.schema.json"))) for n in ("env", "job", "result")}
    body = run(stack, "print('on kafka')", env="test")
    notices = [m for m in consume(stack, "execq.envs") if m["value"] is not None]
    assert {m["value"]["env"] for m in notices} >= {"default", "test", "test2", "broken", "nowheel"}
    for m in notices:
        jsonschema.validate(m["value"], schema["env"])
        assert m["key"] == f"{m['value']['executor']}/{m['value']['env']}"
        assert m["headers"]["message-type"] == "env"
    # The executor restarted above said goodbye: a tombstone under each of its keys.
    assert any(m["payload"] is None for m in consume(stack, "execq.envs", raw=True))
    job = [m for m in consume(stack, stack.jobs_topic) if m["key"] == body["job_id"]][0]["value"]
    result = [m for m in consume(stack, stack.results_topic) if m["key"] == body["job_id"]][0]["value"]
    jsonschema.validate(job, schema["job"])
    jsonschema.validate(result, schema["result"])
    assert job["env"] == "test" and result["env"] == "test"


def test_a_jobs_own_requirements_are_built_on_first_use_and_then_reused(stack):
    """--allow-requirements: a job names its packages; the first builds the
    set (wheels only), the next with the same set, in any order, forks its
    warm interpreter."""
    code = "import execq_hello; print(execq_hello.greet())"
    body = run(stack, code, requirements=["execq-hello==1.0", "execq-util==2.0"])
    assert body["exit_code"] == 0 and body["stdout"] == "hello from execq-hello 1.0, util 2.0\n", body
    assert re.fullmatch(r"req-[0-9a-f]{12}", body["env"]) and body["env_build_ms"] >= 0, body
    hits = len(stack.index.hits)
    again = run(stack, code, requirements=["execq-util==2.0", "execq-hello==1.0", "execq-hello==1.0"])
    assert again["stdout"] == body["stdout"] and again["env"] == body["env"], again
    assert "env_build_ms" not in again, again
    assert stack.index.hits[hits:] == [], "the second job asked the index again"
    # An async job of the same set, and one of another set.
    status, acc = stack.api.request("POST", "/v1/jobs", {"code": code, "requirements": ["execq-hello==1.0",
                                                                                         "execq-util==2.0"]})
    assert status == 202, acc
    status, j = stack.api.request("GET", f"/v1/jobs/{acc['job_id']}?wait=30")
    assert j["job"]["result"]["env"] == body["env"] and "env_build_ms" not in j["job"]["result"], j
    other = run(stack, "import execq_util; print(execq_util.VERSION)", requirements=["execq-util==3.0"])
    assert other["stdout"] == "3.0\n" and other["env"] != body["env"] and other["env_build_ms"] >= 0, other
    # Read-only there too.
    ro = run(stack, "open('/usr/local/x', 'w')", requirements=["execq-util==3.0"])
    assert ro["exit_code"] == 1 and "Read-only file system" in ro["stderr"], ro


def test_requirements_that_do_not_build_fail_the_job_unrun_and_refunded(stack):
    before = stack.api.request("GET", "/v1/account")[1]["balance"]
    status, body = stack.api.run("print(1)", requirements=["execq-nope==1.0"])
    assert status == 503 and body["error"]["code"] == "execution_failed", body
    assert "execq-nope==1.0: no such package" in body["error"]["message"], body
    status, body = stack.api.run("print(1)", requirements=["execq-sdist-only==1.0"])
    assert status == 503 and "only source distributions" in body["error"]["message"], body
    assert not os.path.exists(SDIST_MARKER)
    deadline = time.time() + 30   # the refunds land with the failed results
    while stack.api.request("GET", "/v1/account")[1]["balance"] != before and time.time() < deadline:
        time.sleep(0.2)
    assert stack.api.request("GET", "/v1/account")[1]["balance"] == before


def test_malformed_requirements_are_refused(stack):
    for bad in (["--index-url=http://127.0.0.1:1/"], ["x @ http://127.0.0.1:1/x.whl"], ["../x"], ["./x.whl"],
                ["x; python_version>'3'"], ["x y"], [""], [5], ["a" * 101], [], "execq-hello", ["-r/etc/passwd"],
                ["x==1", "y"] * 9):
        status, body = stack.api.run("print(1)", requirements=bad)
        assert status == 400 and body["error"]["code"] == "invalid_requirements", (bad, body)
    status, body = stack.api.run("print(1)", requirements=["execq-hello"], env="test")
    assert status == 400 and body["error"]["code"] == "invalid_requirements", body


def test_requirements_are_refused_where_the_operator_did_not_allow_them(api):
    status, body = api.run("print(1)", requirements=["execq-hello==1.0"])
    assert status == 400 and body["error"]["code"] == "requirements_disabled", body


def test_the_cli_sends_a_jobs_requirements(stack, tmp_path):
    from test_cli import cli, home
    env = home(stack, tmp_path, "demo_key_slopshop")
    r = cli(["exec-python", "-R", "execq-util==3.0", "--require", "execq-hello==1.0",
             "import execq_hello; print(execq_hello.greet())"], env)
    assert r.returncode == 0 and r.stdout == b"hello from execq-hello 1.0, util 3.0\n", r
    r = cli(["exec-python", "-R", "--index-url=http://x/", "print(1)"], env)
    assert r.returncode == 65 and b"invalid_requirements" in r.stderr, r
    with urllib.request.urlopen(f"http://{stack.metrics['executor-1']}/metrics", timeout=10) as m:
        assert re.search(r"^execq_executor_requirement_sets [1-9]", m.read().decode(), re.M)


def test_no_code_of_a_jobs_own_requirements_runs_outside_its_sandbox(stack):
    """A tenant chose these packages: the set's zygote imports nothing of it
    on the host, and its .pth files (whose import lines run code) are read
    in each job process, inside the sandbox."""
    if os.path.exists(PTH_MARKER):
        os.unlink(PTH_MARKER)
    for _ in range(2):   # the build and the first zygote start, then a fork of the running zygote
        body = run(stack, "import sys, execq_pth_mod\nprint(getattr(sys, 'execq_pth_uid', None))",
                   requirements=["execq-pth==1.0"])
        assert body["exit_code"] == 0 and body["stdout"] == "1000\n", body   # read, as the job's uid
    assert not os.path.exists(PTH_MARKER), "a .pth of a job's requirements ran on the host"
