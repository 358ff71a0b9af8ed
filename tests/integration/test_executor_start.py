"""The executor never runs code unsandboxed: if it cannot build and prove a
sandbox it refuses to start and says why."""
import os
import subprocess

import pytest

from conftest import BUILD, SANDBOX_UID_BASES

EXECUTOR = os.path.join(BUILD, "execq-executor")


def start(cluster, *args, prefix=()):
    # A uid range of this test session's own (not the default 200000, which
    # `make run` on this host may hold: the executor would refuse it).
    if not any(a.startswith("--uid-base=") for a in args):
        args = (f"--uid-base={SANDBOX_UID_BASES[0] + 100}", *args)
    return subprocess.run([*prefix, EXECUTOR, *args], env=cluster.env, capture_output=True, text=True, timeout=60)


def test_refuses_a_python_that_is_not_python(cluster):
    # /usr/bin/true is an executable under /usr, but no interpreter.
    for mode in ("fresh", "warm"):
        p = start(cluster, "--python=/usr/bin/true", f"--sandbox-mode={mode}",
                  "--sandbox-paths=/usr/bin/true,/usr/lib/x86_64-linux-gnu")
        assert p.returncode == 1
        assert "refusing to start" in p.stderr and "not a python3 interpreter" in p.stderr


def test_refuses_when_the_warm_python_cannot_start(cluster):
    p = start(cluster, "--sandbox-mode=warm", "--warm-imports=numpy,no_such_module_here")
    assert p.returncode == 1
    assert "refusing to start" in p.stderr and "warm import of no_such_module_here" in p.stderr


def test_refuses_a_launcher_whose_python_is_not_the_hosts(cluster):
    """seen (issue 21, point 15): an `apt-get install` moved python3.11 from
    3.11.2-6+deb12u6 to +deb12u9 after the build; the launcher, which links
    libpython statically, went on running the old interpreter core with
    the new standard library (CPython's test_re failed in jobs). The
    executor now compares its embedded interpreter's sys.version with the
    host's python3 and refuses to start, saying what to run. Here --python
    names a stand-in for the upgraded host python3 (another build date)."""
    fake = "/usr/local/bin/python3-execq-test-upgraded"
    with open(fake, "w") as f:
        f.write("#!/bin/sh\nprintf '%s' '3.11.2 (main, Jan 01 2030, 00:00:00) [GCC 12.2.0]'\n")
    os.chmod(fake, 0o755)
    try:
        help_text = subprocess.run([EXECUTOR, "--help"], capture_output=True, text=True).stdout
        paths = next(line.split()[2] for line in help_text.splitlines() if line.startswith("--sandbox-paths"))
        for mode in ("fresh", "warm"):
            p = start(cluster, f"--python={fake}", f"--sandbox-mode={mode}", f"--sandbox-paths={paths},{fake}")
            assert p.returncode == 1, p.stderr
            assert "refusing to start" in p.stderr and "the launcher embeds Python" in p.stderr, p.stderr
            assert "Jan 01 2030" in p.stderr and "relink the launcher with `make`" in p.stderr, p.stderr
    finally:
        os.unlink(fake)


def test_refuses_an_unknown_sandbox_mode(cluster):
    p = start(cluster, "--sandbox-mode=lukewarm")
    assert p.returncode == 2 and 'sandbox-mode: "lukewarm" is not one of warm, fresh' in p.stderr, p.stderr


def test_refuses_a_python_outside_usr(cluster):
    p = start(cluster, "--python=/root/.pyenv/shims/python3")
    assert p.returncode == 1 and "must be an executable on sandbox-paths" in p.stderr


def test_refuses_a_python_not_on_the_allow_list(cluster):
    p = start(cluster, "--sandbox-paths=/usr/lib/python3.11,/usr/lib/x86_64-linux-gnu")
    assert p.returncode == 1 and "python /usr/bin/python3: must be an executable on sandbox-paths" in p.stderr


def test_refuses_bad_sandbox_paths(cluster):
    for paths, why in (("/etc,/usr/bin/python3", "must be a plain absolute path under /usr/"),
                       ("/usr/bin/python3,/usr/lib/../../etc", "must be a plain absolute path under /usr/"),
                       ("/usr/bin/python3,/usr/lib/", "must be a plain absolute path under /usr/"),
                       ("/usr/bin/python3,/usr/no-such-dir", "/usr/no-such-dir: No such file or directory"),
                       ("/usr/lib,/usr/lib/python3.11,/usr/bin/python3", "/usr/lib/python3.11 is inside /usr/lib"),
                       ("/usr/bin/python3,,/usr/lib", "an empty or overlong entry")):
        p = start(cluster, f"--sandbox-paths={paths}")
        assert p.returncode == 1 and why in p.stderr, (paths, p.stderr)


def test_refuses_without_root(cluster):
    """Not root, the executor would run rootless (issue 28), which needs a
    delegated cgroup v2 group and the user's own subordinate ids: without
    them it refuses, saying so (this host is v1, nobody has no range)."""
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    p = start(cluster, prefix=nobody)
    assert p.returncode == 1, p.stderr
    assert "not running as root" in p.stderr and "--cgroup-parent=delegated" in p.stderr, p.stderr
    p = start(cluster, "--cgroup-parent=delegated", prefix=nobody)
    assert p.returncode == 1, p.stderr
    assert "are not in a range of nobody's in /etc/subuid" in p.stderr, p.stderr
    req = os.path.join(cluster.dir, "rootless-env.txt")
    with open(req, "w") as f:
        f.write("x==1.0\n")
    os.chmod(req, 0o644)
    p = start(cluster, "--cgroup-parent=delegated", f"--env=x={req}", prefix=nobody)
    assert p.returncode == 1 and "a rootless executor cannot do" in p.stderr, p.stderr


def test_has_no_unsandboxed_mode(cluster):
    p = start(cluster, "--sandbox=none")
    assert p.returncode == 2 and "never runs code unsandboxed" in p.stderr


def test_refuses_uids_another_executor_holds(cluster):
    """Two executors on one host never share sandbox uids: the range is
    locked (a byte-range lock over the uid numbers) for the executor's life."""
    p = start(cluster, f"--uid-base={SANDBOX_UID_BASES[0] + 2}", "--slots=2")
    assert p.returncode == 1, p.stderr
    assert "taken by another executor on this host" in p.stderr and "/run/execq-uids.lock" in p.stderr, p.stderr


def test_refuses_uids_of_an_existing_account(cluster):
    # nobody is 65534 on Debian: slots 0-3 of base 65530 would run as it.
    p = start(cluster, "--uid-base=65530", "--slots=4")
    assert p.returncode == 1
    assert "include the user 65534 (nobody)" in p.stderr, p.stderr


def test_refuses_more_job_memory_than_the_host_has(cluster):
    """slots x max-memory-mb must fit in the host beside host-reserve-mb."""
    p = start(cluster, "--uid-base=910000", "--slots=64", "--max-memory-mb=65536")
    assert p.returncode == 1
    assert "does not fit in this host's" in p.stderr and "fewer slots" in p.stderr, p.stderr


def test_counts_what_jobs_hold_beside_their_limits(cluster):
    """On cgroup v1 a job's TCP buffers are capped at its memory limit but
    counted apart from it: slots x max-memory-mb that fits alone must still
    leave room for as much again (issue 20)."""
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        pytest.skip("cgroup v2: socket buffers are inside memory.max")
    total_mib = int(open("/proc/meminfo").readline().split()[1]) // 1024
    per_slot = (total_mib - 1024 - 64) * 3 // 4 // 4   # 4 slots: 3/4 of what is left, alone
    p = start(cluster, "--uid-base=920000", "--slots=4", f"--max-memory-mb={per_slot}")
    assert p.returncode == 1
    assert "does not fit in this host's" in p.stderr and "cgroup v1 TCP buffers" in p.stderr, p.stderr


def test_slots_leave_root_its_signal_budget(cluster):
    """Every sandbox's queued signals and timers (256 each) count against
    root's RLIMIT_SIGPENDING too: slots beyond half of it are refused."""
    import resource
    soft, _ = resource.getrlimit(resource.RLIMIT_SIGPENDING)
    slots = soft // 2 // 256 + 1
    if soft == resource.RLIM_INFINITY or slots > 1024:
        pytest.skip(f"RLIMIT_SIGPENDING {soft}: no slot count reaches half of it")
    p = start(cluster, "--uid-base=930000", f"--slots={slots}", "--max-memory-mb=16", "--memory-mb=16")
    assert p.returncode == 1
    assert "RLIMIT_SIGPENDING" in p.stderr and "fewer slots" in p.stderr, p.stderr


def executor_group(cluster, pid, ctrl, name):
    with open(f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/x{pid}/{name}") as f:
        return int(f.read())


def test_jobs_of_an_executor_are_capped_together(cluster):
    """Each executor's jobs live in its own group, x<pid>, capped at slots x
    max-memory-mb + session-memory-mb + 64 MiB (swap included: memsw), and
    at a CPU quota that leaves half a CPU for the broker and the API."""
    pid = cluster.procs["executor-1"].pid
    slots, max_mb, sessions_mb = 2, 1024, 1024   # conftest's executors: 2 slots; the defaults
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):   # cgroup v2
        with open(f"/sys/fs/cgroup/{cluster.cgroup_parent}/x{pid}/memory.max") as f:
            assert int(f.read()) == (slots * max_mb + sessions_mb + 64) << 20
        return
    assert executor_group(cluster, pid, "memory", "memory.limit_in_bytes") == (slots * max_mb + sessions_mb + 64) << 20
    assert executor_group(cluster, pid, "memory", "memory.memsw.limit_in_bytes") == (slots * max_mb + sessions_mb + 64) << 20
    assert executor_group(cluster, pid, "cpu", "cpu.cfs_quota_us") == (os.cpu_count() * 100 - 50) * 1000
    # and the job groups are inside it
    assert any(n.startswith("slot") for n in os.listdir(f"/sys/fs/cgroup/memory/{cluster.cgroup_parent}/x{pid}"))


def test_refuses_a_bad_environment_declaration(cluster):
    """Environments (issue 27): a declaration that cannot be one stops the
    executor at start, saying why (a package that fails to build does not)."""
    for args, msg in ((["--env=Bad=/etc/hostname"], "a name is [a-z0-9]"),
                      (["--env=default=/etc/hostname"], "not \"default\""),
                      (["--env=x"], "NAME=path/to/requirements.txt"),
                      (["--env=x=/nonexistent/requirements.txt"], "No such file"),
                      (["--env=x=/etc/hostname", "--env=x=/etc/hostname"], "declared twice"),
                      (["--env=x=/etc/hostname", "--env-cache=/usr/lib/execq-envs"], "env-cache /usr/lib/execq-envs"),
                      (["--envs-dir=/nonexistent"], "envs-dir /nonexistent")):
        p = start(cluster, *args)
        assert p.returncode == 2, (args, p.stderr)
        assert "refusing to start: environments" in p.stderr and msg in p.stderr, (args, p.stderr)
