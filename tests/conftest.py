"""Shared fixtures: a real Kafka broker, two executors and the API, each on
free loopback ports, started once per test session (so tests run beside a
`make run`). Nothing here fakes a component."""
import base64
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

import openapi_check
from pkgindex import PackageIndex

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("EXECQ_TEST_BUILD") or os.path.join(TOP, "build")   # benches compare builds
# The environment every test stack declares (tests/pkgindex.py serves its
# wheels): two small pure-Python packages, one needing the other, warmed
# in its own zygote. The hostile suite runs in it too.
TEST_ENV_REQUIREMENTS = "execq-hello==1.0\n# execq: warm_imports=json,execq_hello\n"

# Host uids of the two executors' sandboxes, one range each, different per
# session so that two test sessions on one machine never see each other's
# sandboxes as leftovers (the leftover checks go by uid).
_UID_OFFSET = 1000 * (os.getpid() % 97)
ADMIN_TOKEN = "test-operator-token-" + uuid.uuid4().hex   # the session API's operator token
SANDBOX_UID_BASES = (400000 + _UID_OFFSET, 500000 + _UID_OFFSET)


# Executors started through a wrapper that makes them rootless (issue 28;
# tests/guest/rootless.sh): they serve the default environment only.
ROOTLESS_WRAPPER = os.environ.get("EXECQ_TEST_EXECUTOR_WRAPPER")


def pytest_configure(config):
    config.addinivalue_line("markers", "long: a fault test that runs in `make faults` only")


# Modules that test the API, the store, the CLI or the deployment files, not
# the sandbox: they do the same in either sandbox mode, so
# scripts/integration.sh runs them with its first mode only (it sets
# EXECQ_SKIP_MODE_INDEPENDENT for the others). Every sandbox test, the
# hostile programs first of all, runs in every mode.
MODE_INDEPENDENT = {"test_accounts", "test_admin", "test_cli", "test_compose", "test_cors", "test_errors",
                    "test_hygiene", "test_money", "test_openapi", "test_shared_store", "test_tenancy",
                    "test_webhooks"}


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("EXECQ_SKIP_MODE_INDEPENDENT"):
        return
    skipped = [i for i in items if i.module.__name__.rsplit(".", 1)[-1] in MODE_INDEPENDENT]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [i for i in items if i not in skipped]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def result_files(body):
    """A result's returned files (docs/api.md, "Files and figures"): {name: bytes}."""
    return {f["name"]: base64.b64decode(f["content_base64"]) for f in body.get("files", [])}


class Api:
    """A client of the running API."""

    def __init__(self, url, key):
        self.url = url
        self.key = key

    def request(self, method, path, body=None, headers=None, raw=None, timeout=60):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Authorization": f"Bearer {self.key}"}
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, ctype, text = r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            status, ctype, text = e.code, e.headers.get("Content-Type"), e.read()
        body = json.loads(text) if text else None
        # Every answer the tests receive is checked against the OpenAPI document.
        if method != "HEAD":
            openapi_check.validate(method, path, status, ctype, body)
        return status, body

    def with_key(self, key):
        return Api(self.url, key)

    def run(self, code, **kw):
        """POSTs code to /v1/exec-python; returns (status, body)."""
        body = {"code": code}
        body.update(kw)
        return self.request("POST", "/v1/exec-python", body)


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="execq-test-")
        # EXECQ_TEST_KAFKA=HOST:PORT: a broker started by someone else (the
        # cgroup v2 guest's tests use the host's; scripts/guest.sh).
        self.external_kafka = os.environ.get("EXECQ_TEST_KAFKA")
        self.kafka_port = int(self.external_kafka.rsplit(":", 1)[1]) if self.external_kafka else free_port()
        self.kafka_ctrl = free_port()
        self.api_port = free_port()
        self.brokers = f"127.0.0.1:{self.kafka_port}"
        self.tag = uuid.uuid4().hex[:8]
        self.jobs_topic = f"test.{self.tag}.jobs"
        self.results_topic = f"test.{self.tag}.results"
        self.cgroup_parent = f"execq-test-{self.tag}"
        self.procs = {}
        self.metrics = {}   # executor name -> its /metrics URL
        # Environments: a package index on loopback, requirements files, and
        # a cache every ancestor of which the build uid (nobody) may enter.
        self.index = None
        self.env_cache = os.path.join("/run", f"execq-test-{self.tag}-envs")
        self.envs = {}      # name -> requirements text, declared by start_executor
        self.env = dict(os.environ,
                        EXECQ_BROKERS=self.brokers,
                        EXECQ_JOBS_TOPIC=self.jobs_topic,
                        EXECQ_RESULTS_TOPIC=self.results_topic,
                        EXECQ_ACCOUNTS_TOPIC=f"test.{self.tag}.accounts",
                        EXECQ_CGROUP_PARENT=self.cgroup_parent,
                        EXECQ_SANDBOX_ROOT=os.path.join("/run", f"execq-test-{self.tag}"),
                        EXECQ_GROUP_ID=f"test-{self.tag}",
                        EXECQ_API_GROUP_ID=f"test-api-{self.tag}",
                        EXECQ_DB_PATH=os.path.join(self.dir, "execq.db"),
                        EXECQ_SIGNUPS_PER_HOUR="1000",
                        # Callbacks to the tests' receivers on 127.0.0.1 (test_webhooks.py;
                        # the refusal without these is tested there too).
                        EXECQ_ALLOW_HTTP_CALLBACKS="1",
                        EXECQ_ALLOW_PRIVATE_CALLBACKS="1",
                        EXECQ_ADMIN_TOKEN=ADMIN_TOKEN)

    def start_kafka(self):
        if self.external_kafka:
            return
        subprocess.run([os.path.join(TOP, "scripts/kafka.sh"), "start", os.path.join(self.dir, "kafka"),
                        str(self.kafka_port), str(self.kafka_ctrl)], check=True)

    def start(self, name, argv, env=None):
        log = open(os.path.join(self.dir, name + ".log"), "w")
        p = subprocess.Popen(argv, env=env or self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = p
        return p

    def declare_env(self, name, requirements):
        """An environment the executors started from now on offer."""
        if self.index is None:
            self.index = PackageIndex().start()
        path = os.path.join(self.dir, f"env-{name}.txt")
        with open(path, "w") as f:
            f.write(requirements)
        self.envs[name] = path

    def env_args(self):
        if not self.envs:
            return []
        return [f"--env={n}={p}" for n, p in self.envs.items()] + [f"--env-cache={self.env_cache}",
                                                                     f"--pip-index-url={self.index.url}"]

    def start_executor(self, name, uid_base, slots=2, extra=()):
        # The same metrics port across restarts of one executor.
        if name not in self.metrics:
            self.metrics[name] = f"127.0.0.1:{free_port()}"
        # EXECQ_TEST_EXECUTOR_WRAPPER: a program that starts the executor
        # (its first argument, the executor's name, then the command), as
        # tests/guest/rootless.sh starts it rootless.
        wrapper = [ROOTLESS_WRAPPER, name] if ROOTLESS_WRAPPER else []
        return self.start(name, [*wrapper, os.path.join(BUILD, "execq-executor"), f"--uid-base={uid_base}",
                                 f"--slots={slots}", f"--metrics-addr={self.metrics[name]}", *self.env_args(),
                                 *extra])

    def start_hooks(self, name="hooks", extra=()):
        """An execq-hooks on the stack's store and results topic; its /metrics URL."""
        if name not in self.metrics:
            self.metrics[name] = f"127.0.0.1:{free_port()}"
        self.start(name, [os.path.join(BUILD, "execq-hooks"), f"--metrics-addr={self.metrics[name]}",
                          f"--hooks-group-id=test-hooks-{self.tag}", f"--hooks-name={name}", *extra])
        return f"http://{self.metrics[name]}/metrics"

    def start_api(self, name="api", port=None, extra=(), env=None):
        port = port or self.api_port
        p = self.start(name, [os.path.join(BUILD, "execq-api"), f"--port={port}", *extra], env=env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            assert p.poll() is None, f"{name} exited; see {self.dir}/{name}.log"
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return url
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} never became healthy")

    def log(self, name):
        with open(os.path.join(self.dir, name + ".log")) as f:
            return f.read()

    def wait_group_settled(self, names=("executor-1", "executor-2"), quiet_s=3.0, timeout=60):
        """Until each executor's last word on its partitions is "assigned"
        and none has changed for quiet_s (an executor that just joined, or
        came back, may move a partition a running job's message is on: its
        new owner runs that job again, at least once)."""
        import datetime
        deadline = time.time() + timeout
        while time.time() < deadline:
            last = []
            for n in names:
                lines = [ln for ln in self.log(n).splitlines() if " assigned " in ln or " revoked " in ln]
                last.append(lines[-1] if lines else "")
            if all(" assigned " in ln for ln in last):
                at = max(datetime.datetime.fromisoformat(ln.split()[0].replace("Z", "+00:00")).timestamp()
                         for ln in last)
                if time.time() - at > quiet_s:
                    return
            time.sleep(0.2)
        raise AssertionError(f"the consumer group did not settle within {timeout} s")

    def stop(self, name, sig=signal.SIGTERM, timeout=30):
        p = self.procs.pop(name)
        p.send_signal(sig)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def shutdown(self):
        for name in list(self.procs):
            self.stop(name)
        if not self.external_kafka:
            subprocess.run([os.path.join(TOP, "scripts/kafka.sh"), "stop", os.path.join(self.dir, "kafka")])
        if self.index:
            self.index.stop()
        subprocess.run(["rm", "-rf", self.env_cache])
        for ctrl in ("memory", "pids", "cpu", "cpuacct", "freezer", "."):   # v1, then v2's unified hierarchy
            try:
                os.rmdir(f"/sys/fs/cgroup/{ctrl}/{self.cgroup_parent}")
            except OSError:
                pass
        root = self.env["EXECQ_SANDBOX_ROOT"]
        subprocess.run(["rm", "-rf", os.path.join(root, "matplotlib")])   # the executors' font cache
        for d in (os.path.join(root, "root"), os.path.join(root, "dev"), root):   # the executors' empty mount points
            try:
                os.rmdir(d)
            except OSError:
                pass


def list_envs(url, key="demo_key_slopshop"):
    req = urllib.request.Request(url + "/v1/envs", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return {e["name"]: e for e in json.load(r)["envs"]}


def wait_env(url, name, ready=0, state=None, timeout=120):
    """Waits until GET /v1/envs shows name ready on `ready` executors (or in
    `state`); returns its entry."""
    deadline = time.time() + timeout
    e = None
    while time.time() < deadline:
        e = list_envs(url).get(name)
        if e and (e["state"] == state if state else e["executors"]["ready"] >= ready):
            return e
        time.sleep(0.3)
    raise AssertionError(f"environment {name} not {state or 'ready'} within {timeout} s: {e}")


@pytest.fixture(scope="session")
def cluster():
    c = Cluster()
    try:
        c.start_kafka()
        if not ROOTLESS_WRAPPER:
            c.declare_env("test", TEST_ENV_REQUIREMENTS)
        c.start_executor("executor-1", SANDBOX_UID_BASES[0])
        c.start_executor("executor-2", SANDBOX_UID_BASES[1])
        c.url = c.start_api()
        # Both executors must have joined the group before tests measure spread.
        deadline = time.time() + 60
        while time.time() < deadline:
            if all("assigned" in c.log(n) for n in ("executor-1", "executor-2")):
                break
            time.sleep(0.2)
        if not ROOTLESS_WRAPPER:
            wait_env(c.url, "test", ready=2)
    except BaseException:
        c.shutdown()   # a set-up that failed leaves no broker or executor running
        raise
    yield c
    c.shutdown()


@pytest.fixture(scope="session")
def api(cluster):
    return Api(cluster.url, "demo_key_slopshop")
