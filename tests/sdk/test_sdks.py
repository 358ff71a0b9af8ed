"""The SDKs' own suites against this session's stack (issue 29):
clients/python/tests with pytest (after mypy --strict on the package), and
clients/typescript/test with node's test runner (`make sdk` built it first,
and its build fails when src/openapi.ts is not what docs/openapi.json
generates). Each suite also runs by hand against any API: see its conftest /
its helpers."""
import glob
import os
import subprocess

from conftest import ADMIN_TOKEN, TOP, Api

VENV_PY = os.path.join(TOP, ".run/sdk-venv/bin/python")
TS = os.path.join(TOP, "clients/typescript")


import pytest


@pytest.fixture(scope="module", autouse=True)
def hooks(cluster):
    """An execq-hooks for the SDKs' webhook tests (their verify_signature
    checked on real callbacks), stopped after them: test_webhooks.py starts
    its own."""
    cluster.start_hooks("hooks-sdk", ("--hooks-retry-base-ms=100",))
    yield
    cluster.stop("hooks-sdk")


def _env(cluster):
    return dict(os.environ, EXECQ_URL=cluster.url, EXECQ_API_KEY="demo_key_slopshop", EXECQ_ADMIN_TOKEN=ADMIN_TOKEN,
                EXECQ_TEST_HOOKS="1")


def _run(argv, cwd, env, timeout):
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    print(p.stdout[-20000:])
    assert p.returncode == 0, f"{' '.join(argv)} exited {p.returncode}:\n{p.stdout[-6000:]}"
    return p.stdout


def test_python_sdk_is_typed_strictly():
    """mypy --strict on the package, then on the examples as its users: they
    see the installed package's types (py.typed)."""
    out = _run([VENV_PY, "-m", "mypy", "--strict", "--no-incremental", "src/execq"],
               os.path.join(TOP, "clients/python"), dict(os.environ), 300)
    assert "Success" in out
    examples = sorted(glob.glob(os.path.join(TOP, "examples/python/*.py")))
    out = _run([VENV_PY, "-m", "mypy", "--strict", "--no-incremental", *examples], "/", dict(os.environ), 300)
    assert "Success" in out


def test_python_sdk_against_the_stack(cluster):
    _run([VENV_PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], os.path.join(TOP, "clients/python"),
         _env(cluster), 900)


def test_typescript_sdk_against_the_stack(cluster):
    files = sorted(glob.glob(os.path.join(TS, "test", "*.test.mjs")))
    assert files
    _run(["node", "--test", "--test-reporter=spec", "--test-timeout=300000", *files], TS, _env(cluster), 900)


# The runnable examples (examples/), each as a user would run it, with an
# account of its own, all at once but the two notebooks: each holds three
# sessions, and a fork lives on its parent's executor, which holds at most 4
# (--session-slots): two notebooks whose parents landed on one executor would
# not fit beside each other (503 session_unavailable, as the API says), so the
# TypeScript notebook starts when the Python one has ended.
EXAMPLES = {
    "python/csv_pipeline.py": ["north", "credits used: 20"],
    "python/agent_tool.py": ["ZeroDivisionError", "ran past the 10 s timeout", "Name or service not known"],
    "python/notebook_session.py": ["rows: 540", "10% discount", "figure saved to"],
    "typescript/csv_pipeline.mjs": ["north", "credits used: 20"],
    "typescript/agent_tool.mjs": ["ZeroDivisionError", "ran past the 10 s timeout", "(cancelled)"],
    "typescript/notebook_session.mjs": ["rows: 540", "10% discount", "figure saved to"],
}
AFTER = {"typescript/notebook_session.mjs": "python/notebook_session.py"}


def test_examples_run(cluster, tmp_path):
    def start(name):
        status, body = Api(cluster.url, "").request("POST", "/v1/signup")
        assert status == 201, body
        env = dict(_env(cluster), EXECQ_API_KEY=body["api_key"])
        path = os.path.join(TOP, "examples", name)
        argv = [VENV_PY, path] if name.endswith(".py") else ["node", path]
        return subprocess.Popen([*argv, str(tmp_path / name.replace("/", "-"))], cwd=os.path.dirname(path),
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    procs = {name: start(name) for name in EXAMPLES if name not in AFTER}
    outs = {}
    for name in AFTER:
        outs[AFTER[name]] = procs[AFTER[name]].communicate(timeout=180)[0]
        procs[name] = start(name)
    for name, p in procs.items():
        out = outs[name] if name in outs else p.communicate(timeout=180)[0]
        assert p.returncode == 0, f"{name} exited {p.returncode}:\n{out}"
        for want in EXAMPLES[name]:
            assert want in out, f"{name}: no {want!r} in:\n{out}"
