"""Hostile programs, each with an asserted outcome, run through the real
pipeline (HTTP -> Kafka -> executor -> sandbox -> Kafka -> HTTP). After
every one the host is checked: no process of the job left, no job cgroup
left, nothing changed outside the sandbox, both executors healthy.

The session refuses to run any of them unless a probe job shows the
sandbox in place: run against a plain process as root, these programs
would hit this machine."""
import base64
import concurrent.futures
import glob
import json
import os
import socket
import subprocess
import time

import pytest

import hostcheck
from conftest import SANDBOX_UID_BASES

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = sorted(glob.glob(os.path.join(HERE, "programs", "*.py")))
WATCHED_DIRS = ["/", "/etc", "/root", "/run", "/var/tmp", "/dev/shm", "/usr/bin", "/home"]
WATCHED_FILES = ["/etc/passwd", "/etc/shadow", "/etc/hosts", "/proc/sys/kernel/core_pattern",
                 "/proc/sys/kernel/hostname"]
PLANTED = ("pwned", "fill", "pwn")


def header(path):
    """The program's '# key: value' lines before the code."""
    h = {}
    for line in open(path):
        if not line.startswith("# ") or ":" not in line:
            break
        k, v = line[2:].split(":", 1)
        h[k.strip()] = v.strip()
    h["request"] = json.loads(h.get("request", "{}"))
    h["expect"] = json.loads(h.get("expect", "{}"))
    # "# expect_v2:" replaces it on a cgroup v2 host (the guest of make
    # test-cgroup2) where the kernel answers otherwise and as safely: there
    # socket buffers count in memory.max, so a job queueing past its limit
    # is OOM-killed rather than refused a send.
    if "expect_v2" in h and hostcheck.CGROUP_V2:
        h["expect"] = json.loads(h["expect_v2"])
    return h


@pytest.fixture(scope="session")
def sandbox_in_place(api):
    status, body = api.run("import os, socket\n"
                           "print(os.getuid(), os.getpid(), sorted(os.listdir('/')),"
                           " [n for _, n in socket.if_nameindex()])")
    want = "1000 2 ['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'usr'] ['lo']\n"
    if status != 200 or body.get("stdout") != want:
        pytest.exit(f"the sandbox is not in place (probe answered {status} {body}); "
                    "refusing to run hostile code", returncode=3)
    return True


@pytest.fixture(scope="session")
def host(cluster):
    """Listeners on the host that jobs must not reach, and the host's own addresses."""
    abstract = f"execq-test-{cluster.tag}"
    a = socket.socket(socket.AF_UNIX)
    a.bind("\0" + abstract)
    a.listen()
    path = os.path.join(cluster.dir, "host.sock")
    u = socket.socket(socket.AF_UNIX)
    u.bind(path)
    u.listen()
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True).stdout
    ips = [f.split()[3].split("/")[0] for f in out.splitlines() if " lo " not in f]
    info = {"api_port": cluster.api_port, "kafka_port": cluster.kafka_port, "kafka_ctrl_port": cluster.kafka_ctrl,
            "host_ips": ips, "abstract": abstract, "unix_path": path}
    yield info
    a.close()
    u.close()


def snapshot():
    s = {}
    for d in WATCHED_DIRS:
        try:
            s[d] = sorted(n for n in os.listdir(d) if not n.startswith("execq-test-"))
        except OSError:
            s[d] = None
    for f in WATCHED_FILES:
        try:
            st = os.stat(f)
            s[f] = (st.st_mtime_ns, st.st_size, open(f, "rb").read() if f.startswith("/proc") else None)
        except OSError:
            s[f] = None
    s["/tmp planted"] = sorted(n for n in os.listdir("/tmp") if any(p in n for p in PLANTED))
    return s


def host_sandbox_procs():
    """(pid, uid, ppid) of every host process running as a sandbox uid."""
    return hostcheck.procs_of_uids(lambda uid: any(b <= uid < b + 128 for b in SANDBOX_UID_BASES))


def prepared_sandboxes(cluster):
    """Pids of the sandboxes built ahead of time, one per slot, waiting for a
    job: an init (namespace root, uid-base + 2N) that is a child of an
    executor's launcher, and its one child, the job process (uid-base + 2N + 1)."""
    executors = {str(cluster.procs[n].pid) for n in ("executor-1", "executor-2") if n in cluster.procs}
    # The executors' children: root's, or a rootless executor's user's (issue 28)
    launchers = {pid for pid, _, ppid in hostcheck.procs_of_uids(lambda uid: True) if ppid in executors}
    procs = host_sandbox_procs()
    per_uid = {}
    for pid, uid, ppid in procs:
        if ppid in launchers and all((uid - b) % 2 == 0 for b in SANDBOX_UID_BASES if b <= uid < b + 128):
            per_uid.setdefault(uid, []).append(pid)
    allowed = set()
    for uid, inits in per_uid.items():
        if len(inits) != 1:
            continue
        kids = [pid for pid, u, ppid in procs if ppid == inits[0] and u == uid + 1]
        allowed.add(inits[0])
        if len(kids) == 1:
            allowed.add(kids[0])
    return allowed


def sandbox_processes(cluster):
    """Host processes a finished job could have left: anything of a sandbox
    uid that is not part of a slot's next sandbox."""
    ready = prepared_sandboxes(cluster)
    return [(pid, uid) for pid, uid, _ in host_sandbox_procs() if pid not in ready]


def job_cgroups(cluster):
    """Job cgroups left behind: every one must hold only the waiting
    processes of a sandbox built ahead of time. Groups removed while we
    look are gone, not left behind (hostcheck.cgroup_tasks)."""
    ready = prepared_sandboxes(cluster)
    left = []
    # v1: each controller's hierarchy; v2 (the guest of make test-cgroup2): the unified one
    for ctrl in ("",) if hostcheck.CGROUP_V2 else ("memory", "pids", "cpu", "cpuacct", "freezer"):
        d = os.path.join("/sys/fs/cgroup", ctrl, cluster.cgroup_parent)
        for n, tasks in hostcheck.cgroup_tasks(d).items():
            if n.endswith("/main"):
                continue   # a rootless executor's own leaf (cg.c, delegated): the executor and its launchers
            if not tasks or not set(tasks) <= ready:
                left.append(f"{ctrl}/{n}")
    return left


def check_host(cluster, api, before):
    # The slot tears down and rebuilds its sandbox right after answering:
    # only what stays for the whole window is a leftover (hostcheck.settle).
    procs = hostcheck.settle(lambda: sandbox_processes(cluster))
    assert procs == [], "a process of the job outlived it"
    cgroups = hostcheck.settle(lambda: job_cgroups(cluster))
    assert cgroups == [], "a job cgroup was left behind"
    assert snapshot() == before, "something changed outside the sandbox"
    for name in ("executor-1", "executor-2", "api"):
        assert cluster.procs[name].poll() is None, f"{name} died"
    status, body = api.run("print('alive')")
    assert status == 200 and body["stdout"] == "alive\n"


def check_expect(name, exp, status, body):
    if "any_of" in exp:   # outcomes of which one must hold
        errors = []
        for alternative in exp["any_of"]:
            try:
                return check_expect(name, alternative, status, body)
            except AssertionError as e:
                errors.append(e)
        raise AssertionError(f"none of the expected outcomes: {errors}")
    assert status == 200, body
    assert body["ok"] is True
    out = body["stdout"]
    assert "LEAK" not in out, out
    for key in ("exit_code", "timed_out", "memory_exceeded", "stdout_truncated", "stderr_truncated"):
        if key in exp:
            assert body[key] == exp[key], (key, body[key], out[-2000:], body["stderr"][-2000:])
    if "exit_code" not in exp and not exp.get("timed_out") and not exp.get("memory_exceeded"):
        assert body["exit_code"] == 0, body["stderr"][-2000:]
    if "stdout_has" in exp:
        assert exp["stdout_has"] in out, (out[-2000:], body["stderr"][-2000:])
    if "lines_safe" in exp:
        assert sum(l.startswith("SAFE") for l in out.splitlines()) >= exp["lines_safe"], out
    if "stdout_len" in exp:
        assert len(out) == exp["stdout_len"]
    if exp.get("stdout_bytes") == "all256x4":
        assert base64.b64decode(body["stdout_base64"]) == bytes(range(256)) * 4
    if "max_ms" in exp:
        assert body["execution_time_ms"] <= exp["max_ms"], body["execution_time_ms"]
    if "min_ms" in exp:
        assert body["execution_time_ms"] >= exp["min_ms"], body["execution_time_ms"]
    if "cpu_at_most_wall" in exp:
        assert body["cpu_time_ms"] <= exp["cpu_at_most_wall"] * body["execution_time_ms"], body


def run_program(api, path, host, env=None):
    h = header(path)
    req = dict(h["request"])
    if env:
        req["env"] = env
    if h.get("stdin") == "host":
        req["stdin"] = json.dumps(host)
    return h, api.run(open(path).read(), **req)


def test_there_are_enough_hostile_programs():
    groups = {header(p).get("group") for p in PROGRAMS}
    assert len(PROGRAMS) >= 40
    assert groups == {"resources", "output", "filesystem", "network", "privilege", "persistence"}


@pytest.mark.parametrize("path", PROGRAMS, ids=[os.path.basename(p)[:-3] for p in PROGRAMS])
def test_hostile(cluster, api, sandbox_in_place, host, path):
    before = snapshot()
    h = header(path)
    if "concurrent" in h:
        other = os.path.join(HERE, "programs", h["concurrent"] + ".py")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = pool.submit(run_program, api, path, host)
            time.sleep(1.5)   # let the first job set up what the second must not see
            second = pool.submit(run_program, api, other, host)
            (h1, (s1, b1)), (h2, (s2, b2)) = first.result(), second.result()
        check_expect(path, h1["expect"], s1, b1)
        check_expect(other, h2["expect"], s2, b2)
    else:
        _, (status, body) = run_program(api, path, host)
        check_expect(path, h["expect"], status, body)
    check_host(cluster, api, before)


@pytest.mark.parametrize("path", PROGRAMS, ids=[os.path.basename(p)[:-3] for p in PROGRAMS])
def test_hostile_in_an_environment(cluster, api, sandbox_in_place, host, path):
    """The same programs and outcomes in a non-default environment (issue
    27): its own zygote, and its packages bound read-only into the sandbox
    from the executor's env cache."""
    before = snapshot()
    h = header(path)
    if "concurrent" in h:
        other = os.path.join(HERE, "programs", h["concurrent"] + ".py")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = pool.submit(run_program, api, path, host, "test")
            time.sleep(1.5)
            second = pool.submit(run_program, api, other, host, "test")
            (h1, (s1, b1)), (h2, (s2, b2)) = first.result(), second.result()
        check_expect(path, h1["expect"], s1, b1)
        check_expect(other, h2["expect"], s2, b2)
        assert b1.get("env") == b2.get("env") == "test"
    else:
        _, (status, body) = run_program(api, path, host, "test")
        check_expect(path, h["expect"], status, body)
        assert body.get("env") == "test", body
    check_host(cluster, api, before)


def run_in_session(api, path, host):
    """The program as an exec of a session of its own (the request's
    memory_mb and scratch_mb are the session's), which is ended after."""
    h = header(path)
    req = dict(h["request"])
    made = {k: req.pop(k) for k in ("memory_mb", "scratch_mb") if k in req}
    if h.get("stdin") == "host":
        req["stdin"] = json.dumps(host)
    else:
        req["stdin"] = "in a session"   # fs_proc_self_fd: the session's control socket is expected
    deadline = time.time() + 30
    while True:   # a session just ended frees its executor's place a moment later
        status, s = api.request("POST", "/v1/sessions", made)
        if status != 503 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert status == 201, s
    try:
        status, body = api.request("POST", f"/v1/sessions/{s['session_id']}/exec",
                                   dict({"code": open(path).read()}, **req))
    finally:
        api.request("DELETE", f"/v1/sessions/{s['session_id']}")
    return h, (status, body)


@pytest.mark.parametrize("path", PROGRAMS, ids=[os.path.basename(p)[:-3] for p in PROGRAMS])
def test_hostile_in_a_session(cluster, api, sandbox_in_place, host, path):
    """The same programs and outcomes, each as an exec of a session: a
    session's sandbox is a job's sandbox. A session outlives one exec, so
    what its code leaves (a daemon, a stopped process) lives until the
    session ends; after that nothing of it may be left on the host."""
    before = snapshot()
    h = header(path)
    if "concurrent" in h:
        other = os.path.join(HERE, "programs", h["concurrent"] + ".py")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = pool.submit(run_in_session, api, path, host)
            time.sleep(1.5)
            second = pool.submit(run_in_session, api, other, host)
            (h1, (s1, b1)), (h2, (s2, b2)) = first.result(), second.result()
        check_expect(path, h1["expect"], s1, b1)
        check_expect(other, h2["expect"], s2, b2)
    else:
        _, (status, body) = run_in_session(api, path, host)
        check_expect(path, h["expect"], status, body)
    check_host(cluster, api, before)
