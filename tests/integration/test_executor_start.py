"""The executor never runs code unsandboxed: if it cannot build and prove a
sandbox it refuses to start and says why."""
import os
import subprocess

from conftest import TOP

EXECUTOR = os.path.join(TOP, "build", "execq-executor")


def start(cluster, *args, prefix=()):
    return subprocess.run([*prefix, EXECUTOR, *args], env=cluster.env, capture_output=True, text=True, timeout=60)


def test_refuses_a_python_that_is_not_python(cluster):
    # /usr/bin/true is an executable under /usr, but no interpreter.
    for mode in ("fresh", "warm"):
        p = start(cluster, "--python=/usr/bin/true", f"--sandbox-mode={mode}")
        assert p.returncode == 1
        assert "refusing to start" in p.stderr and "not a python3 interpreter" in p.stderr


def test_refuses_when_the_warm_python_cannot_start(cluster):
    p = start(cluster, "--sandbox-mode=warm", "--warm-imports=numpy,no_such_module_here")
    assert p.returncode == 1
    assert "refusing to start" in p.stderr and "warm import of no_such_module_here" in p.stderr


def test_refuses_an_unknown_sandbox_mode(cluster):
    p = start(cluster, "--sandbox-mode=lukewarm")
    assert p.returncode == 1 and "sandbox-mode=lukewarm: warm or fresh" in p.stderr


def test_refuses_a_python_outside_usr(cluster):
    p = start(cluster, "--python=/root/.pyenv/shims/python3")
    assert p.returncode == 1 and "only /usr is in the sandbox" in p.stderr


def test_refuses_without_root(cluster):
    p = start(cluster, prefix=("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"))
    assert p.returncode == 1 and "must run as root" in p.stderr


def test_has_no_unsandboxed_mode(cluster):
    p = start(cluster, "--sandbox=none")
    assert p.returncode == 2 and "never runs code unsandboxed" in p.stderr
