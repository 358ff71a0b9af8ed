"""The SDKs' own suites against this session's stack (issue 29):
clients/python/tests with pytest (after mypy --strict on the package), and
clients/typescript/test with node's test runner (after the check that
src/openapi.ts is what docs/openapi.json generates). Each suite also runs by
hand against any API: see its conftest / its helpers."""
import glob
import os
import subprocess

from conftest import ADMIN_TOKEN, TOP

VENV_PY = os.path.join(TOP, ".run/sdk-venv/bin/python")
TS = os.path.join(TOP, "clients/typescript")


def _env(cluster):
    return dict(os.environ, EXECQ_URL=cluster.url, EXECQ_API_KEY="demo_key_slopshop", EXECQ_ADMIN_TOKEN=ADMIN_TOKEN)


def _run(argv, cwd, env, timeout):
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    print(p.stdout[-20000:])
    assert p.returncode == 0, f"{' '.join(argv)} exited {p.returncode}:\n{p.stdout[-6000:]}"
    return p.stdout


def test_python_sdk_is_typed_strictly():
    out = _run([VENV_PY, "-m", "mypy", "--strict", "--no-incremental", "src/execq"],
               os.path.join(TOP, "clients/python"), dict(os.environ), 300)
    assert "Success" in out


def test_python_sdk_against_the_stack(cluster):
    _run([VENV_PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], os.path.join(TOP, "clients/python"),
         _env(cluster), 900)


def test_typescript_types_match_the_openapi_document():
    _run(["node", "scripts/gen-types.mjs", "--check"], TS, dict(os.environ), 120)


def test_typescript_sdk_against_the_stack(cluster):
    files = sorted(glob.glob(os.path.join(TS, "test", "*.test.mjs")))
    assert files
    _run(["node", "--test", "--test-reporter=spec", "--test-timeout=300000", *files], TS, _env(cluster), 900)
