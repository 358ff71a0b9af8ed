"""What must hold for a job whatever the sandbox mode (the suite runs once per
mode, EXECQ_SANDBOX_MODE): a job behaves as `python3 -I -u -B -c CODE`, gets
its own random seeds, sees nothing of the job before it, and dies with its
executor. Warm mode forks every job from one prepared Python; these are the
properties that forking must not break."""
import glob
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
import uuid

import pytest

import hostcheck
from conftest import BUILD, SANDBOX_UID_BASES

MODE = os.environ.get("EXECQ_SANDBOX_MODE", "warm")

# Friendly code: it runs on the host too, as the reference.
INTERPRETER_PROBE = r"""
import sys, json, signal, os
print(json.dumps({
    "argv": sys.argv,
    "path": sys.path,
    "flags": [sys.flags.isolated, sys.flags.ignore_environment, sys.flags.no_user_site,
              sys.flags.dont_write_bytecode, sys.flags.safe_path, sys.flags.optimize],
    "signals": {n: str(signal.getsignal(getattr(signal, n)))
                for n in ("SIGINT", "SIGPIPE", "SIGTERM", "SIGCHLD", "SIGXFSZ", "SIGHUP", "SIGUSR1")},
    "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    "globals": sorted(globals()),
    "name": __name__,
    "stdout": [sys.stdout.encoding, sys.stdout.errors, sys.stdout.write_through],
    "stderr": [sys.stderr.encoding, sys.stderr.errors],
    "stdin": [sys.stdin.encoding, sys.stdin.errors],
    "executable": sys.executable,
    "env": sorted(os.environ),
}))
"""


def host_python(code, stdin=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    # As from a shell: SIGINT at its default even when this test runs in a
    # background job, which inherits SIGINT ignored (python3 keeps that).
    return subprocess.run(["/usr/bin/python3", "-I", "-u", "-B", "-c", code], input=stdin,
                          capture_output=True, text=True, env=env, timeout=30,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_interpreter_is_python3_minus_I_c(api):
    status, body = api.run(INTERPRETER_PROBE)
    assert status == 200 and body["exit_code"] == 0, body
    got = json.loads(body["stdout"])
    want = json.loads(host_python(INTERPRETER_PROBE).stdout)
    # sys.path as python3 would build it with the job's view of /usr: the
    # host's entries outside sandbox-paths (/usr/local/...) do not exist
    # there (fresh mode's site.py leaves them out; warm mode's interpreter
    # listed them before the sandbox, where they simply are not).
    allowed = sandbox_paths().split(",")
    def visible(path):
        return [p for p in path if any(p == a or p.startswith(a + "/") for a in allowed)]
    got["path"], want["path"] = visible(got["path"]), visible(want["path"])
    for key in ("argv", "path", "flags", "signals", "blocked", "globals", "name", "stdout", "stderr", "stdin",
                "executable"):
        assert got[key] == want[key], (key, got[key], want[key])
    assert got["env"] == ["HOME", "LANG", "LC_ALL", "MKL_NUM_THREADS", "MPLBACKEND", "MPLCONFIGDIR", "OMP_NUM_THREADS",
                          "OPENBLAS_NUM_THREADS", "PATH", "USER"]


EXIT_CASES = [
    ("import sys\nsys.exit(3)", 3, ""),
    ("raise SystemExit", 0, ""),
    ("import sys\nsys.exit('bye')", 1, "bye\n"),
    ("x = 1 / 0", 1, 'File "<string>", line 1, in <module>'),
    ("import os\nos._exit(7)", 7, ""),
    ("raise KeyboardInterrupt", -2, "KeyboardInterrupt"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)", -15, ""),
    ("import atexit\natexit.register(print, 'at exit')\nprint('body')", 0, ""),
    ("import atexit, sys\natexit.register(sys.exit, 4)", 0, "Exception ignored in atexit callback"),
    ("import threading, time\nt = threading.Thread(target=lambda: (time.sleep(0.3), print('thread')))\nt.start()",
     0, ""),
    ("def f(:\n  pass", 1, "SyntaxError"),
]


def test_exit_codes_and_output_as_python3(api):
    for code, exit_code, err_has in EXIT_CASES:
        status, body = api.run(code)
        assert status == 200, body
        ref = host_python(code)
        assert body["exit_code"] == exit_code, (code, body)
        assert ref.returncode == exit_code, (code, ref)   # the reference agrees with the table
        assert body["stdout"] == ref.stdout, (code, body["stdout"], ref.stdout)
        assert err_has in body["stderr"], (code, body["stderr"])


def test_stdin_reaches_the_job(api):
    status, body = api.run("import sys\nprint(sys.stdin.read().upper())", stdin="hello\nworld")
    assert status == 200 and body["stdout"] == "HELLO\nWORLD\n", body


RANDOMNESS = r"""
import random, secrets, uuid, tempfile, os, json
import numpy as np
print(json.dumps([random.random(), random.getrandbits(64), secrets.token_hex(16), str(uuid.uuid4()),
                  next(tempfile._get_candidate_names()), float(np.random.rand()), hash("execq"),
                  os.urandom(8).hex()]))
"""


def test_every_job_draws_its_own_random_values(api):
    seen = [json.loads(api.run(RANDOMNESS)[1]["stdout"]) for _ in range(6)]
    names = ["random", "getrandbits", "secrets", "uuid4", "tempfile name", "numpy.random", "str hash", "urandom"]
    for i, name in enumerate(names):
        if name == "str hash" and MODE == "warm":
            continue   # one hash seed per zygote: documented in docs/security.md
        values = [s[i] for s in seen]
        assert len(set(map(str, values))) == len(values), (name, values)


PLANT = r"""
import sys, os, json, math, builtins, types, collections
json.PLANTED = "mark"                      # a module global
math.sqrt = lambda x: "patched"            # a patched module
sys.modules["planted_module"] = types.ModuleType("planted_module")
sys.path.insert(0, "/planted")
os.environ["PLANTED"] = "1"
os.chdir("/usr")
builtins.PLANTED = 1
collections.PLANTED = 1
global_mark = "mark"
print("planted")
"""

CHECK = r"""
import sys, os, json, math, builtins, collections
found = []
if hasattr(json, "PLANTED"): found.append("module global")
if math.sqrt(4) != 2.0: found.append("patched module")
if "planted_module" in sys.modules: found.append("sys.modules")
if "/planted" in sys.path: found.append("sys.path")
if "PLANTED" in os.environ: found.append("env")
if os.getcwd() != "/": found.append("cwd " + os.getcwd())
if hasattr(builtins, "PLANTED") or hasattr(collections, "PLANTED"): found.append("builtins")
if "global_mark" in globals(): found.append("__main__ globals")
print("clean" if not found else "LEAK " + ",".join(found))
"""


def test_nothing_of_one_job_is_visible_to_the_next(api):
    # Every slot of both executors gets a planted job, then a checking one.
    for _ in range(6):
        status, body = api.run(PLANT)
        assert body["stdout"] == "planted\n", body
    for _ in range(8):
        status, body = api.run(CHECK)
        assert status == 200 and body["stdout"] == "clean\n", body


SCAN = r"""
import os, sys
# The marker comes in two halves and is never put together here: finding
# it whole anywhere, this process's own memory included, is a leak.
head, tail = (h.encode() for h in sys.stdin.read().split())

def has_marker(data):
    i = data.find(head)
    while i >= 0:
        if data[i + len(head):i + len(head) + len(tail)] == tail:
            return True
        i = data.find(head, i + 1)
    return False

hits, readable = [], 0
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    base = f"/proc/{pid}"
    for name in ("cmdline", "environ", "maps", "status", "stat", "comm", "mem", "stack", "auxv",
                 "smaps", "io", "cwd", "root", "fd"):
        path = f"{base}/{name}"
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                data = " ".join(os.listdir(path)).encode()
            else:
                with open(path, "rb") as f:
                    data = f.read(1 << 22)
        except OSError:
            continue
        readable += 1
        if has_marker(data):
            hits.append(path)
    if os.path.exists(f"{base}/mem"):
        try:
            maps = open(f"{base}/maps").read().splitlines()
            with open(f"{base}/mem", "rb") as mem:
                for line in maps:
                    lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                    if "r" not in line.split()[1] or hi - lo > 1 << 26:
                        continue
                    try:
                        mem.seek(lo)
                        if has_marker(mem.read(hi - lo)):
                            hits.append(f"{base}/mem {line}")
                    except OSError:
                        pass
        except OSError:
            pass
print("readable", readable, "pids", sorted(p for p in os.listdir("/proc") if p.isdigit()))
print("FOUND" if hits else "clean", hits)
"""


def test_a_marker_of_one_job_is_never_found_by_a_later_one(api):
    """A job keeps a marker in its code, its memory and its output; later jobs
    read every file of pid 1 and of every process they can see (their own
    memory included) and never find it."""
    marker = "MARK" + uuid.uuid4().hex
    for _ in range(6):
        status, body = api.run(f"secret = '{marker}' * 1000\nprint('{marker}'[:4])")
        assert body["stdout"] == "MARK\n"
    for _ in range(8):
        status, body = api.run(SCAN, stdin=marker[:20] + " " + marker[20:])
        assert status == 200 and body["exit_code"] == 0, body
        assert "clean" in body["stdout"], body["stdout"]
        assert "readable" in body["stdout"] and "pids ['1', '2']" in body["stdout"], body["stdout"]


def launcher_pids(cluster):
    pids = []
    for name in ("executor-1", "executor-2"):
        m = re.findall(r"launcher pid (\d+)", cluster.log(name))
        assert m, cluster.log(name)
        pids.append(int(m[-1]))
    return pids


def test_launchers_have_one_thread_and_no_executor_environment(cluster, api):
    api.run("print(1)")
    for pid in launcher_pids(cluster):
        status = hostcheck.proc_status(pid)
        assert status is not None and status["Threads"] == "1", status
        assert status["Name"] == "execq-launcher"
        env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        assert not [e for e in env if e.startswith((b"EXECQ", b"KAFKA"))], env
        # Only the launcher's own descriptors when idle: std (/dev/null),
        # its socket, its signalfd, its own binary (fresh jobs exec it); none of the executor's (Kafka sockets,
        # job pipes). While it builds a sandbox it holds that sandbox's
        # three for a moment: look until it is idle.
        def extra():
            fds = []
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    fds.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
                except FileNotFoundError:
                    pass
            fds = sorted(re.sub(r"socket:\[\d+\]", "socket", f) for f in fds)
            want = sorted(["/dev/null"] * 3 + ["socket", "anon_inode:[signalfd]",
                           "/memfd:execq-launcher (deleted)"])   # its own binary (a sealed copy), O_PATH
            return [] if fds == want else [tuple(fds)]
        assert hostcheck.settle(extra, window_s=3) == []


def test_no_job_outlives_a_killed_executor(cluster, api):
    """SIGKILL an executor while its slots spin in `while True:`; within 3 s
    no process of its sandbox uids is left, and once an executor starts
    again no cgroup of the dead one holds a task (or exists)."""
    base = SANDBOX_UID_BASES[0]
    jobs = [api.request("POST", "/v1/jobs", {"code": "while True:\n    pass", "timeout": 6})[1]["job_id"]
            for _ in range(6)]
    deadline = time.time() + 30
    while time.time() < deadline:
        mine = hostcheck.procs_of_uids(lambda u: base <= u < base + 128 and (u - base) % 2 == 1)
        if len(mine) >= 2:
            break
        time.sleep(0.1)
    victim = cluster.procs.pop("executor-1")
    dead_pid = victim.pid
    victim.kill()
    victim.wait()
    time.sleep(3)
    left = hostcheck.procs_of_uids(lambda u: base <= u < base + 128)
    assert left == [], f"processes of the killed executor's sandboxes: {left}"
    cluster.start_executor("executor-1", base)
    deadline = time.time() + 60
    while time.time() < deadline and "sandbox ready" not in cluster.log("executor-1"):
        time.sleep(0.2)
    for ctrl in ("memory", "pids", "cpu", "cpuacct", "freezer"):
        groups = glob.glob(f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/x{dead_pid}")
        groups += glob.glob(f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/x{dead_pid}-*")
        assert groups == [], groups
    for j in jobs:   # redelivered and run to their timeout elsewhere
        status, body = api.request("GET", f"/v1/jobs/{j}?wait=30", timeout=60)
        assert status == 200 and body["job"]["status"] in ("completed", "running", "queued"), body


def test_cpu_rlimit_backs_up_the_timeout(api):
    """The kernel's own backstop: the job process may use at most
    timeout + 1 CPU seconds (RLIMIT_CPU), whatever happens to the executor."""
    status, body = api.run("print([l for l in open('/proc/self/limits') if l.startswith('Max cpu time')][0])",
                           timeout=3)
    assert status == 200, body
    assert body["stdout"].split()[3:5] == ["4", "4"], body["stdout"]


@pytest.mark.parametrize("layout", ["executor group", "flat (older executors)"])
def test_a_starting_executor_kills_what_a_dead_one_left(cluster, layout):
    """A cgroup of an executor that no longer runs, with a process still in
    it: the next executor to start kills the process, then removes the group
    (a job group inside the dead executor's group x<pid>, and the group
    itself; or a job group x<pid>-... directly under the parent)."""
    dead = subprocess.Popen(["true"])
    dead.wait()   # a pid no process has now
    name = f"x{dead.pid}/slot0-orphan" if layout == "executor group" else f"x{dead.pid}-slot0-orphan"
    ctrls = ("memory", "pids", "cpu", "cpuacct", "freezer")
    spinner = subprocess.Popen(["sleep", "300"])
    try:
        for ctrl in ctrls:
            d = f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/{name}"
            os.makedirs(d)
            with open(f"{d}/tasks", "w") as f:
                f.write(str(spinner.pid))
        p = subprocess.Popen([os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..",
                                           "build", "execq-executor"), "--uid-base=900000", "--slots=1"],
                             env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 60
        log = ""
        while time.time() < deadline and spinner.poll() is None:
            time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        log = p.communicate(timeout=60)[0]
        assert spinner.poll() is not None, "the orphan's process still runs"
        assert spinner.returncode == -signal.SIGKILL
        assert "left by executors that are gone" in log, log
        for ctrl in ctrls:
            assert not os.path.exists(f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/{name}")
            assert not os.path.exists(f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/x{dead.pid}")
    finally:
        if spinner.poll() is None:
            spinner.kill()
        for ctrl in ctrls:
            for d in (name, f"x{dead.pid}"):
                try:
                    os.rmdir(f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/{d}")
                except OSError:
                    pass


def test_an_executor_whose_launcher_dies_leaves_its_jobs_to_others(cluster, api):
    """Without its launcher an executor can make no sandbox: it must not
    answer its jobs as failed or killed, but stop and leave them to the other
    executors of the group, which run them."""
    jobs = [api.request("POST", "/v1/jobs", {"code": f"import time\ntime.sleep(2)\nprint({i})"})[1]["job_id"]
            for i in range(4)]
    time.sleep(0.7)   # every slot of both executors holds one
    launcher = launcher_pids(cluster)[0]
    os.kill(launcher, signal.SIGKILL)
    victim = cluster.procs.pop("executor-1")
    try:
        rc = victim.wait(timeout=90)
        assert rc != 0
        assert "the sandbox launcher died" in cluster.log("executor-1")
        for i, j in enumerate(jobs):
            deadline = time.time() + 120
            while time.time() < deadline:
                status, body = api.request("GET", f"/v1/jobs/{j}?wait=30", timeout=60)
                if body["job"]["status"] == "completed":
                    break
            res = body["job"]["result"]
            assert res["exit_code"] == 0 and res["stdout"] == f"{i}\n", body
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
        cluster.start_executor("executor-1", SANDBOX_UID_BASES[0])
        deadline = time.time() + 60
        while time.time() < deadline and cluster.log("executor-1").count("sandbox ready") < 1:
            time.sleep(0.2)


def test_a_crash_never_runs_the_hosts_core_helper(cluster, api):
    """A core_pattern that pipes to a helper runs that helper as host root on
    every crash, whatever RLIMIT_CORE says, unless RLIMIT_CORE is 1 (the
    kernel's documented 'never pipe' value). Install a helper that leaves a
    mark, crash a job, and look for the mark. The host's core_pattern is put
    back whatever happens."""
    mark = os.path.join(cluster.dir, "core-helper-ran")
    helper = os.path.join(cluster.dir, "core-helper.sh")
    with open(helper, "w") as f:
        f.write(f"#!/bin/sh\necho \"$1\" >> {mark}\ncat > /dev/null\n")
    os.chmod(helper, 0o755)
    pattern = "/proc/sys/kernel/core_pattern"
    saved = open(pattern).read()
    try:
        with open(pattern, "w") as f:
            f.write(f"|{helper} %p")
        for code in ("import ctypes\nctypes.string_at(0)",                      # SIGSEGV
                     "import os, signal\nos.kill(os.getpid(), signal.SIGABRT)",  # SIGABRT
                     "import os\npid = os.fork()\nif pid == 0:\n    import ctypes\n    ctypes.string_at(0)\n"
                     "os.waitpid(pid, 0)\nprint('child crashed')"):
            status, body = api.run(code)
            assert status == 200 and body["exit_code"] != 0 or "child crashed" in body["stdout"], body
        time.sleep(1)
    finally:
        with open(pattern, "w") as f:
            f.write(saved)
    assert not os.path.exists(mark), open(mark).read()


LIMITS_PROBE = r"""
import json
lim = {}
for line in open('/proc/self/limits'):
    for name in ('Max realtime priority', 'Max nice priority', 'Max core file size'):
        if line.startswith(name):
            lim[name] = line[len(name):].split()[:2]
mounts = {l.split()[4]: l.split()[5] for l in open('/proc/self/mountinfo')}
print(json.dumps({"limits": lim, "oom_score_adj": open('/proc/self/oom_score_adj').read().strip(),
                  "dev": mounts.get('/dev')}))
"""


def test_job_limits_priority_oom_and_dev(api):
    """No real-time or raised nice priority whatever the executor was given,
    the first choice of the OOM killer (a job, never the broker or the API),
    and a /dev where no device node of its own could work (nodev)."""
    status, body = api.run(LIMITS_PROBE)
    assert status == 200 and body["exit_code"] == 0, body
    got = json.loads(body["stdout"])
    assert got["limits"]["Max realtime priority"] == ["0", "0"], got
    assert got["limits"]["Max nice priority"] == ["0", "0"], got
    assert got["limits"]["Max core file size"] == ["1", "1"], got
    assert got["oom_score_adj"] == "1000", got
    assert "nodev" in got["dev"].split(","), got


def test_the_code_never_shows_in_a_command_line(api):
    """Host users see every process's argv (ps). While a job runs, no
    command line on the host, nor in the job's own /proc, holds its code."""
    marker = "CODEMARK" + uuid.uuid4().hex
    code = (f"import os, time\nmark = '{marker}'\n"
            "seen = [p for p in os.listdir('/proc') if p.isdigit() and "
            "mark.encode() in open(f'/proc/{p}/cmdline', 'rb').read()]\n"
            "print('inside', seen)\ntime.sleep(2)\n")
    status, body = api.request("POST", "/v1/jobs", {"code": code})
    assert status == 202, body
    found, deadline = [], time.time() + 3
    while time.time() < deadline:
        for d in glob.glob("/proc/[0-9]*"):
            try:
                with open(os.path.join(d, "cmdline"), "rb") as f:
                    if marker.encode() in f.read():
                        found.append(d)
            except OSError:
                pass
        time.sleep(0.05)
    status, body = api.request("GET", f"/v1/jobs/{body['job_id']}?wait=30", timeout=60)
    assert body["job"]["status"] == "completed", body
    assert body["job"]["result"]["stdout"] == "inside []\n", body
    assert found == [], f"the code is in the command line of {sorted(set(found))}"


def sandbox_paths():
    """The executor's allow-list of host paths under /usr, read from its
    configuration table (--help prints each entry's default)."""
    out = subprocess.run([os.path.join(BUILD, "execq-executor"), "--help"], capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("--sandbox-paths"))
    return os.environ.get("EXECQ_SANDBOX_PATHS") or line.split()[2]


def test_every_path_a_job_can_list_is_on_the_allow_list(api):
    """Walks the job's whole filesystem (but /proc) and reports every path
    that is neither on the configured allow-list (or inside an entry), nor a
    directory leading to one, nor the sandbox's own skeleton."""
    allowed = sandbox_paths().split(",")
    code = r"""
import json, os, sys
allowed = json.load(sys.stdin)
skeleton = {"/bin", "/sbin", "/lib", "/lib64", "/etc", "/dev", "/proc", "/usr"}
def ok(p):
    if p in skeleton or p.startswith(("/etc/", "/dev/")):
        return True
    return any(p == a or p.startswith(a + "/") or a.startswith(p + "/") for a in allowed)
bad, seen = [], 0
for d, dirs, files in os.walk("/"):
    if d == "/":
        dirs.remove("proc")
    for n in dirs + files:
        p = os.path.join(d, n)
        seen += 1
        if not ok(p):
            bad.append(p)
    dirs[:] = [x for x in dirs if not os.path.islink(os.path.join(d, x))]
print(json.dumps({"seen": seen, "bad": bad[:50], "etc": sorted(os.listdir("/etc")), "dev": sorted(os.listdir("/dev"))}))
"""
    status, body = api.run(code, stdin=json.dumps(allowed), timeout=30)
    assert status == 200 and body["exit_code"] == 0, body
    got = json.loads(body["stdout"])
    assert got["seen"] > 1000, got   # the interpreter's tree is there
    assert got["bad"] == [], got["bad"]
    assert got["etc"] == ["alternatives", "group", "hosts", "ld.so.cache", "matplotlib", "nsswitch.conf", "passwd"], \
        got["etc"]
    assert got["dev"] == ["fd", "full", "null", "random", "stderr", "stdin", "stdout", "urandom", "zero"], got["dev"]


def key_users():
    """{host uid: keys it owns}, from /proc/key-users (every user with keys)."""
    users = {}
    with open("/proc/key-users") as f:
        for line in f:
            uid, rest = line.split(":", 1)
            users[int(uid)] = int(rest.split()[1].split("/")[0])
    return users


def test_each_sandbox_has_its_own_session_keyring(cluster, api):
    """A job's session keyring is its sandbox's own, owned by the sandbox's
    host uid, not the launcher's (the host root's session): the waiting
    sandbox of each slot shows up in /proc/key-users with one key."""
    api.run("print(1)")   # the executors are up, and have prepared sandboxes
    def inits():   # the namespace roots of the prepared sandboxes: uid-base + 2N
        return {uid for _, uid, _ in hostcheck.procs_of_uids(
            lambda u: any(b <= u < b + 128 and (u - b) % 2 == 0 for b in SANDBOX_UID_BASES))}
    def missing():
        users = key_users()
        return sorted(uid for uid in inits() if users.get(uid, 0) < 1)
    deadline = time.time() + 10
    while (not inits() or missing()) and time.time() < deadline:
        time.sleep(0.1)
    assert inits(), "no prepared sandbox found"
    assert missing() == [], (key_users(), inits())


@pytest.mark.skipif(MODE != "warm", reason="fresh mode: every job is a new exec with its own layout and seed")
def test_the_zygote_is_made_again_after_its_jobs(cluster, api):
    """Every warm job shares its zygote's address-space layout and str hash
    seed (docs/security.md): --zygote-max-jobs bounds how many jobs one
    layout serves. Executor-1 alone, with a zygote good for 4 jobs (the
    start's probe job is the first; with 3, the renewal began after the
    second call and the third could land on the new zygote): after them a
    new zygote is made off the request path (jobs keep running
    meanwhile), and jobs then see another seed and another layout."""
    # The str hash seed, and where libc is mapped (the launcher itself is not
    # position-independent: its own addresses never move).
    probe = "import ctypes\nprint(hash('execq'), ctypes.cast(ctypes.CDLL(None).printf, ctypes.c_void_p).value)"
    saved = cluster.procs.pop("executor-2")
    saved.terminate()
    saved.wait(30)
    old = cluster.procs.pop("executor-1")
    old.terminate()
    old.wait(30)
    argv = [os.path.join(BUILD, "execq-executor"), f"--uid-base={SANDBOX_UID_BASES[0]}", "--slots=2",
            f"--metrics-addr={cluster.metrics['executor-1']}", "--zygote-max-jobs=4"]
    try:
        cluster.start("executor-1", argv)
        deadline = time.time() + 60
        while time.time() < deadline and "assigned" not in cluster.log("executor-1"):
            time.sleep(0.2)
        first = set()
        for _ in range(3):
            status, body = api.run(probe)
            assert status == 200 and body["exit_code"] == 0, body
            first.add(body["stdout"])
        assert len(first) == 1, first   # one zygote: one seed, one layout
        deadline = time.time() + 60
        while time.time() < deadline and "zygote made again" not in cluster.log("executor-1"):
            time.sleep(0.2)
        assert re.search(r"zygote made again after \d+ jobs and \d+ s: launcher pid \d+", cluster.log("executor-1"))
        later = []
        for _ in range(6):   # sandboxes the old zygote built ahead are not used: rebuilt by the new one
            status, body = api.run(probe)
            assert status == 200 and body["exit_code"] == 0, body
            later.append(body["stdout"])
        assert not first & set(later), (first, later)
        page = urllib.request.urlopen(f"http://{cluster.metrics['executor-1']}/metrics").read().decode()
        assert re.search(r"^execq_executor_zygote_renewals [1-9]", page, re.M), page
        # The retired zygote is gone once its last sandbox is.
        assert hostcheck.settle(lambda: [p for p in launcher_children(cluster.procs["executor-1"].pid)][1:],
                                window_s=2) == []
    finally:
        cluster.stop("executor-1")
        cluster.start_executor("executor-1", SANDBOX_UID_BASES[0])
        cluster.start_executor("executor-2", SANDBOX_UID_BASES[1])
        deadline = time.time() + 60
        while time.time() < deadline and not all(cluster.log(n).count("assigned") for n in ("executor-1", "executor-2")):
            time.sleep(0.2)


def launcher_children(executor_pid):
    """Pids of the root children of an executor: its launchers."""
    return [pid for pid, _, ppid in hostcheck.procs_of_uids(lambda uid: uid == 0) if ppid == str(executor_pid)]
