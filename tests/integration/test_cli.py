"""The execq command-line client (build/execq), driven as a user drives it,
against the real stack: signup, exec-python in shell pipelines, batches with
their progress bar (on a pty and off one), job, account, errors and exit
codes (docs/execq.1)."""
import json
import os
import pty
import select
import signal
import stat
import subprocess
import threading
import time

from conftest import BUILD

EXECQ = os.path.join(BUILD, "execq")


def cli(args, env, stdin=None, timeout=120):
    return subprocess.run([EXECQ, *args], input=stdin, capture_output=True, env=env, timeout=timeout)


def home(cluster, tmp_path, key=None):
    """An environment with its own config directory, pointed at the stack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECQ_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), EXECQ_URL=cluster.url)
    if key:
        env["EXECQ_API_KEY"] = key
    return env


def read_pty(master, p, mark=None, timeout=120):
    """Everything p writes to the pseudo-terminal master until it ends (then
    waits for p and closes master); and when mark was first seen, if asked."""
    seen, mark_at = b"", None
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if mark and mark_at is None and mark in seen:
                mark_at = time.time()
        elif p.poll() is not None:
            break
    p.wait(timeout=60)
    os.close(master)
    return seen, mark_at


def test_signup_stores_a_private_key_and_exec_python_uses_it(cluster, tmp_path):
    env = home(cluster, tmp_path)
    r = cli(["signup"], env)
    assert r.returncode == 0, r.stderr
    assert b"balance 500 credits" in r.stdout, r.stdout
    creds = tmp_path / "config" / "execq" / "credentials"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    saved = dict(l.split("=", 1) for l in creds.read_text().splitlines() if "=" in l and not l.startswith("#"))
    assert saved["api_key"].startswith("eq_") and saved["url"] == cluster.url
    # The stored key and URL are used with no variable set.
    env.pop("EXECQ_URL")
    r = cli(["exec-python", "print('hello')"], env)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"hello\n", b""), r
    r = cli(["account"], env)
    assert r.returncode == 0 and b"balance          495" in r.stdout, r.stdout
    # A key others can read is refused, not used.
    creds.chmod(0o644)
    r = cli(["account"], env)
    assert r.returncode == 66 and b"readable by others" in r.stderr, r


def test_exec_python_works_in_pipelines(cluster, api, tmp_path):
    env = home(cluster, tmp_path, api.key)
    # stdout and stderr apart, the job's exit code ours.
    r = cli(["exec-python", "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)"], env)
    assert (r.returncode, r.stdout, r.stderr) == (3, b"out\n", b"err\n"), r
    # Code from a file, and from standard input.
    script = tmp_path / "s.py"
    script.write_text("print(6 * 7)\n")
    assert cli(["exec-python", "-f", str(script)], env).stdout == b"42\n"
    assert cli(["exec-python"], env, stdin=b"print('from stdin')").stdout == b"from stdin\n"
    # Any bytes in and out: stdin from a file with NUL and non-UTF-8.
    data = tmp_path / "in.bin"
    data.write_bytes(b"a\x00\xffb")
    r = cli(["exec-python", "--stdin", str(data), "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])"], env)
    assert (r.returncode, r.stdout) == (0, b"b\xff\x00a"), r
    # Timeout like timeout(1); a signal like sh.
    r = cli(["exec-python", "--timeout", "0.5", "import time\ntime.sleep(5)"], env)
    assert r.returncode == 124, r
    r = cli(["exec-python", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)"], env)
    assert r.returncode == 128 + 15, r
    # --json: the whole result, the job id with it.
    r = cli(["exec-python", "--json", "print(1)"], env)
    res = json.loads(r.stdout)
    assert r.returncode == 0 and res["stdout"] == "1\n" and len(res["job_id"]) == 36, res
    # The job can be read back.
    r = cli(["job", "--wait", "5", res["job_id"]], env)
    job = json.loads(r.stdout)
    assert r.returncode == 0 and job["status"] == "completed" and job["result"]["stdout"] == "1\n", job
    # A pipeline: the output feeds the next command.
    p = subprocess.run(f"{EXECQ} exec-python 'print(\"a\\nb\\nc\")' | wc -l", shell=True, capture_output=True,
                       env=env, timeout=60)
    assert p.stdout.strip() == b"3", p


def test_errors_are_one_line_with_the_servers_code(cluster, api, tmp_path):
    env = home(cluster, tmp_path, "eq_not_a_key")
    r = cli(["exec-python", "print(1)"], env)
    assert r.returncode == 77 and r.stderr.count(b"\n") == 1 and b"unauthorized" in r.stderr, r
    env = home(cluster, tmp_path, api.key)
    r = cli(["exec-python", "--timeout", "99", "print(1)"], env)
    assert r.returncode == 65 and b"invalid_timeout" in r.stderr and r.stderr.count(b"\n") == 1, r
    r = cli(["job", "00000000-0000-4000-8000-000000000000"], env)
    assert r.returncode == 70 and b"not_found" in r.stderr, r
    env["EXECQ_URL"] = "http://127.0.0.1:1"
    r = cli(["account"], env)
    assert r.returncode == 69 and r.stderr.count(b"\n") == 1, r
    env = home(cluster, tmp_path)
    r = cli(["account"], env)
    assert r.returncode == 77 and b"execq signup" in r.stderr, r
    env = home(cluster, tmp_path, api.key)
    r = cli(["exec-python", "--timeout"], env)
    assert r.returncode == 64, r
    r = cli(["frobnicate"], env)
    assert r.returncode == 64 and b"unknown command" in r.stderr, r


def test_every_command_has_help(cluster, tmp_path):
    env = home(cluster, tmp_path)
    for cmd in ([], ["signup"], ["exec-python"], ["batch"], ["job"], ["cancel"], ["account"], ["admin"], ["rotate-key"],
                ["envs"]):
        r = cli([*cmd, "--help"], env)
        assert r.returncode == 0 and r.stdout.startswith(b"usage: execq"), (cmd, r)


def test_envs_lists_environments_and_jobs_batches_and_sessions_run_in_one(cluster, api, tmp_path):
    env = home(cluster, tmp_path, api.key)
    r = cli(["envs"], env)
    assert r.returncode == 0, r
    rows = {l.split()[0]: l.split() for l in r.stdout.decode().splitlines()[1:] if not l.startswith(" ")}
    assert rows["default"][1] == "ready" and rows["test"][1] == "ready" and rows["test"][3] == "2", rows
    r = cli(["envs", "test"], env)
    assert r.returncode == 0 and b"execq-hello==1.0\n" in r.stdout and b"state    ready" in r.stdout, r
    r = cli(["envs", "--json", "test"], env)
    assert json.loads(r.stdout)["name"] == "test", r
    assert cli(["envs", "nosuch"], env).returncode == 66
    r = cli(["exec-python", "--env", "test", "import execq_hello; print(execq_hello.greet())"], env)
    assert r.returncode == 0 and r.stdout.startswith(b"hello from execq-hello"), r
    r = cli(["exec-python", "-e", "nosuch", "print(1)"], env)
    assert r.returncode == 65 and b"unknown_env" in r.stderr and r.stderr.count(b"\n") == 1, r
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"code": "import execq_util; print(execq_util.VERSION)"}) + "\n" +
                    json.dumps({"code": "import sys; print('execq_util' in sys.modules)", "env": "default"}) + "\n")
    r = cli(["batch", "--env", "test", "--no-progress", str(jobs)], env)
    assert r.returncode == 0, r
    assert [json.loads(l)["result"]["stdout"] for l in r.stdout.decode().splitlines()] == ["3.0\n", "False\n"], r
    r = cli(["session", "create", "--env", "test"], env)
    assert r.returncode == 0, r
    sid = r.stdout.decode().strip()
    try:
        r = cli(["session", "exec", sid, "import execq_hello; print(execq_hello.greet())"], env)
        assert r.returncode == 0 and r.stdout.startswith(b"hello from execq-hello"), r
    finally:
        cli(["session", "rm", sid], env)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


def write_jobs(path, n, fail_at=None):
    with open(path, "w") as f:
        for i in range(n):
            code = f"import sys\nprint({i})\nsys.exit({1 if i == fail_at else 0})"
            f.write(json.dumps({"code": code}) + "\n")


def test_batch_file_writes_results_in_order_and_resumes_without_paying_twice(cluster, api, tmp_path):
    from test_accounts import signup
    user, _ = signup(api)
    env = home(cluster, tmp_path, user.key)
    jobs, out = tmp_path / "jobs.jsonl", tmp_path / "out.jsonl"
    write_jobs(jobs, 30, fail_at=7)
    r = cli(["batch", str(jobs), "-o", str(out)], env)
    assert r.returncode == 1, r.stderr   # one job exited 1
    # Each line one JSON object, no key twice.
    lines = [json.loads(l, object_pairs_hook=no_duplicates) for l in out.read_text().splitlines()]
    assert [l["index"] for l in lines] == list(range(30))
    assert [l["result"]["stdout"] for l in lines] == [f"{i}\n" for i in range(30)]
    assert lines[7]["result"]["exit_code"] == 1 and lines[3]["name"] == f"{jobs}:4"
    batch = lines[0]["batch_id"]
    assert f"--resume {batch}".encode() in r.stderr
    # Plain progress lines when stderr is not a terminal.
    assert b"30/30 done" in r.stderr and b"\r" not in r.stderr, r.stderr
    balance = user.request("GET", "/v1/account")[1]["balance"]
    assert balance == 500 - 30 * 5
    # The same command again: the same batch, charged once.
    r = cli(["batch", str(jobs), "-o", str(out), "--no-progress"], env)
    assert r.returncode == 1 and json.loads(out.read_text().splitlines()[0])["batch_id"] == batch
    assert user.request("GET", "/v1/account")[1]["balance"] == balance
    # --resume follows it by id, with no input file.
    r = cli(["batch", "--resume", batch, "--no-progress"], env)
    assert r.returncode == 1 and len(r.stdout.splitlines()) == 30, r.stderr
    # A bad line refuses the whole file, naming the line, and sends nothing.
    jobs.write_text('{"code": "print(1)"}\n{"cod": 1}\n')
    r = cli(["batch", str(jobs)], env)
    assert r.returncode == 65 and f"{jobs}:2".encode() in r.stderr, r
    assert user.request("GET", "/v1/account")[1]["balance"] == balance


def test_batch_of_a_directory_with_a_progress_bar_on_a_terminal(cluster, api, tmp_path):
    env = home(cluster, tmp_path, api.key)
    d = tmp_path / "scripts"
    d.mkdir()
    for i in range(12):
        (d / f"job{i:02d}.py").write_text(f"import time\ntime.sleep(0.2)\nprint('job {i}')\n")
    (d / "notes.txt").write_text("not a job")
    out = tmp_path / "out.jsonl"
    # stderr on a pseudo-terminal, as in an interactive shell.
    master, slave = pty.openpty()
    p = subprocess.Popen([EXECQ, "batch", str(d), "-o", str(out)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    seen, _ = read_pty(master, p)
    assert p.returncode == 0, seen
    # Redrawn in place: carriage returns, a bar, a rate and an ETA, and the end.
    assert seen.count(b"\r") >= 2 and b"] 12/12" in seen and b"jobs/s" in seen and b"ETA" in seen, seen
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert [l["name"] for l in lines] == [f"job{i:02d}.py" for i in range(12)]
    assert all(l["result"]["stdout"] == f"job {i}\n" for i, l in enumerate(lines))


def test_admin_commands_and_rotate_key(cluster, api, tmp_path):
    from conftest import ADMIN_TOKEN
    env = home(cluster, tmp_path)
    r = cli(["signup"], env)
    assert r.returncode == 0, r.stderr
    creds = tmp_path / "config" / "execq" / "credentials"
    saved = dict(l.split("=", 1) for l in creds.read_text().splitlines() if "=" in l and not l.startswith("#"))
    aid = saved["account_id"]
    # The operator's commands need the operator token.
    r = cli(["admin", "account", aid], env)
    assert r.returncode == 77 and b"operator token" in r.stderr, r
    env_op = dict(env, EXECQ_ADMIN_TOKEN=ADMIN_TOKEN)
    r = cli(["admin", "grant", aid, "10000", "--reason", "invoice 9", "--idempotency-key", "inv-9"], env_op)
    assert r.returncode == 0 and json.loads(r.stdout)["balance"] == 10500, r
    r = cli(["admin", "grant", aid, "10000", "--reason", "invoice 9", "--idempotency-key", "inv-9"], env_op)
    assert r.returncode == 0 and json.loads(r.stdout)["balance"] == 10500, r   # granted once
    r = cli(["admin", "grant", aid, "5"], env_op)
    assert r.returncode == 64 and b"--reason" in r.stderr
    r = cli(["admin", "accounts", "--search", aid[5:13]], env_op)
    assert r.returncode == 0 and [a["account_id"] for a in json.loads(r.stdout)["accounts"]] == [aid]
    r = cli(["admin", "suspend", aid, "--reason", "test"], env_op)
    assert r.returncode == 0
    r = cli(["exec-python", "print(1)"], env)
    assert r.returncode == 77 and b"account_suspended" in r.stderr, r
    assert cli(["admin", "reinstate", aid, "--reason", "ok"], env_op).returncode == 0
    r = cli(["admin", "limits", aid, "--reason", "trial", "--max-batch-jobs", "1", "--requests-per-s", "default"], env_op)
    assert r.returncode == 0 and json.loads(r.stdout)["limits"]["max_batch_jobs"] == 1, r
    r = cli(["admin", "limits", aid, "--reason", "x", "--max-open", "-3"], env_op)
    assert r.returncode == 64, r
    r = cli(["admin", "audit", aid, "--limit", "2"], env_op)
    assert r.returncode == 0 and [x["action"] for x in json.loads(r.stdout)["audit"]] == ["limits", "reinstate"], r
    r = cli(["admin", "usage", aid], env_op)
    assert r.returncode == 0 and "days" in json.loads(r.stdout)
    r = cli(["admin", "account", "acct_nobody"], env_op)
    assert r.returncode == 70 and b"not_found" in r.stderr
    # A user's own rotation replaces the stored key; the old one stops.
    r = cli(["rotate-key", "--grace", "0"], env)
    assert r.returncode == 0, r.stderr
    new = dict(l.split("=", 1) for l in creds.read_text().splitlines() if "=" in l and not l.startswith("#"))
    assert new["api_key"] != saved["api_key"] and new["account_id"] == aid
    assert cli(["account"], env).returncode == 0
    assert cli(["--key", saved["api_key"], "account"], env).returncode == 77


def test_exec_python_sends_input_files_and_writes_files_and_figures(cluster, api, tmp_path):
    """-F puts local files in /input, -s gives scratch, -o writes what comes
    back (files by name, figures as image-N.png) into a directory."""
    env = home(cluster, tmp_path, api.key)
    (tmp_path / "sales.csv").write_text("item,units\na,3\nb,5\n")
    (tmp_path / "blob").write_bytes(bytes(range(256)))
    code = ("import pandas as pd, matplotlib.pyplot as plt, os\n"
            "df = pd.read_csv('/input/sales.csv'); print(df.units.sum())\n"
            "os.makedirs('/tmp/out/sub'); open('/tmp/out/sub/copy.bin', 'wb').write(open('/input/in/b', 'rb').read())\n"
            "df.to_csv('/tmp/out/out.csv', index=False); df.plot.bar(x='item'); plt.show()\n")
    out = tmp_path / "out"
    r = cli(["exec-python", "-s", "8", "-F", str(tmp_path / "sales.csv"), "-F", f"{tmp_path / 'blob'}=in/b",
             "-o", str(out), code], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"8\n"
    assert (out / "out.csv").read_text() == "item,units\na,3\nb,5\n"
    assert (out / "sub" / "copy.bin").read_bytes() == bytes(range(256))
    assert (out / "image-1.png").read_bytes().startswith(b"\x89PNG")
    assert b"wrote" in r.stderr
    # A bad name is refused before anything is sent; a missing file too.
    r = cli(["exec-python", "-F", f"{tmp_path / 'blob'}=../x", "print(1)"], env)
    assert r.returncode == 66 and b"not a valid file name" in r.stderr, r
    r = cli(["exec-python", "-F", str(tmp_path / "nope"), "print(1)"], env)
    assert r.returncode == 66, r
    # A server-side refusal (scratch over the maximum) is one line, exit 65.
    r = cli(["exec-python", "-s", "100000", "print(1)"], env)
    assert r.returncode == 65 and b"invalid_scratch" in r.stderr, r


def test_exec_python_streams_on_a_terminal_and_when_asked(cluster, api, tmp_path):
    """On a terminal (a pty) the output comes as the job prints it: the
    first line long before the end; --stream does the same into a pipe,
    --no-stream writes it at the end. The bytes are the result's, exactly,
    bytes that are not UTF-8 included, and the exit code is the job's."""
    env = home(cluster, tmp_path, api.key)
    code = ("import sys, time\n"
            "print('first', flush=True)\n"
            "time.sleep(1.5)\n"
            "sys.stdout.buffer.write(b'\\xff last\\n')\n"
            "print('err', file=sys.stderr)\n"
            "sys.exit(4)\n")
    master, slave = pty.openpty()
    p = subprocess.Popen([EXECQ, "exec-python", code], stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    seen, first_at = read_pty(master, p, mark=b"first")
    end_at = time.time()
    assert p.returncode == 4 and seen.replace(b"\r\n", b"\n") == b"first\n\xff last\n", (p.returncode, seen)
    assert first_at is not None and end_at - first_at > 1.0, (first_at, end_at)
    # Into a pipe: streamed when asked, and the same bytes either way.
    for flag in ("--stream", "--no-stream"):
        r = cli(["exec-python", flag, code], env)
        assert (r.returncode, r.stdout, r.stderr) == (4, b"first\n\xff last\n", b"err\n"), (flag, r)
    # A timeout mid-stream: the output printed before it, and exit 124.
    r = cli(["exec-python", "--stream", "--timeout", "1", "print('x', flush=True)\nwhile True: pass"], env)
    assert (r.returncode, r.stdout) == (124, b"x\n"), r


def test_exec_python_interrupted_cancels_its_job(cluster, api, tmp_path):
    """Ctrl-C (SIGINT) while the job runs: the command ends at once, and
    the server cancels the job (cancel_on_disconnect), so it neither runs
    its 25 s out nor is left running."""
    from test_cancel import cancelled_count
    env = home(cluster, tmp_path, api.key)
    before = cancelled_count(cluster.url)
    p = subprocess.Popen([EXECQ, "exec-python", "--stream",
                          "import time\nprint('started', flush=True)\ntime.sleep(25)\nprint('never')"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout.readline() == b"started\n"
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)
    deadline = time.time() + 15
    while time.time() < deadline and cancelled_count(cluster.url) < before + 1:
        time.sleep(0.2)
    assert cancelled_count(cluster.url) == before + 1
    # execq cancel on an ended job: the server's 409, exit 70.
    r = cli(["exec-python", "--json", "print(1)"], env)
    jid = json.loads(r.stdout)["job_id"]
    r = cli(["cancel", jid], env)
    assert r.returncode == 70 and b"already_finished" in r.stderr, r


def test_job_follow_prints_as_the_job_prints_and_resumes_across_an_api_restart(cluster, api, tmp_path):
    """execq job --follow on an async job: its lines come as it prints them,
    each once, and the command exits with the job's exit code. The API
    serving the stream is stopped and started again mid-job: the command
    resumes (Last-Event-ID) where it left off, losing and repeating nothing."""
    from conftest import free_port
    port = free_port()
    url = cluster.start_api("api-cli-follow", port=port)
    env = home(cluster, tmp_path, api.key)
    env["EXECQ_URL"] = url
    code = ("import sys, time\n"
            "for i in range(60):\n"
            "    print(f'line {i:02d}', flush=True)\n"
            "    time.sleep(0.1)\n"
            "print('err', file=sys.stderr)\n"
            "sys.exit(3)\n")
    want = b"".join(f"line {i:02d}\n".encode() for i in range(60))
    status, doc = api.request("POST", "/v1/jobs", {"code": code, "stream": True, "timeout": 30})
    assert status == 202, doc
    p = subprocess.Popen([EXECQ, "job", "--follow", doc["job_id"]], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    try:
        got = p.stdout.readline() + p.stdout.readline()
        assert got == b"line 00\nline 01\n", got
        cluster.stop("api-cli-follow")
        cluster.start_api("api-cli-follow", port=port)
        # Through the same buffered reader: readline may have read ahead
        # (communicate() would read the pipe beneath it and miss those bytes).
        killer = threading.Timer(90, p.kill)   # a hung command fails the test, not the suite
        killer.start()
        out = p.stdout.read()
        err = p.stderr.read()
        p.wait()
        killer.cancel()
    finally:
        if p.poll() is None:
            p.kill()
        if "api-cli-follow" in cluster.procs:
            cluster.stop("api-cli-follow")
    assert got + out == want, (got + out)[-200:]
    assert p.returncode == 3 and err.endswith(b"err\n"), (p.returncode, err)
    # Refused before any event: the server's code, exit as for any refusal.
    r = cli(["job", "--follow", "00000000-0000-4000-8000-000000000000"], env | {"EXECQ_URL": cluster.url})
    assert r.returncode != 0 and b"not_found" in r.stderr, r


def test_session_commands_cover_the_routes(cluster, tmp_path):
    env = home(cluster, tmp_path, key="demo_key_slopshop")
    r = cli(["session", "create", "--idle-timeout", "120"], env)
    assert r.returncode == 0, r.stderr
    sid = r.stdout.decode().strip()
    assert len(sid) == 36
    r = cli(["session", "exec", sid, "import sys\nx = sys.stdin.read().strip()"], env)
    assert r.returncode == 0, r.stderr
    r = cli(["session", "exec", "-i", "/dev/null", sid, "print(repr(x))"], env)
    assert r.returncode == 0 and r.stdout == b"''\n", (r.stdout, r.stderr)
    r = cli(["session", "exec", sid], env, stdin=b"x = 'from a file'\nraise SystemExit(3)")
    assert r.returncode == 3, r.stderr
    r = cli(["session", "fork", sid], env)
    assert r.returncode == 0, r.stderr
    fid = r.stdout.decode().strip()
    r = cli(["session", "exec", "--json", fid, "print(x)"], env)
    assert r.returncode == 0 and json.loads(r.stdout)["stdout"] == "from a file\n", (r.stdout, r.stderr)
    r = cli(["session", "ls"], env)
    assert r.returncode == 0 and sid.encode() in r.stdout and fid.encode() in r.stdout, r.stdout
    deadline = time.time() + 10
    while True:   # execs are counted by the store consumer, a moment after each answer
        r = cli(["session", "show", sid], env)
        if r.returncode != 0 or json.loads(r.stdout)["execs"] == 3 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert r.returncode == 0 and json.loads(r.stdout)["execs"] == 3, r.stdout
    for s in (sid, fid):
        r = cli(["session", "rm", s], env)
        assert r.returncode == 0, r.stderr
    r = cli(["session", "exec", sid, "print(x)"], env)
    assert r.returncode == 70 and b"not_found" in r.stderr, r.stderr   # deleted: gone
    r = cli(["session", "bogus"], env)
    assert r.returncode == 64


def test_repl_is_a_python_prompt_with_multiline_input_and_ctrl_c(cluster, tmp_path):
    """execq repl driven through a pseudo-terminal: statements keep their
    state, an expression's value is printed, a block takes ... lines until
    an empty one, Ctrl-C interrupts a running sleep (KeyboardInterrupt) and
    the session keeps its state, Ctrl-D leaves and ends the session."""
    import pexpect
    env = home(cluster, tmp_path, key="demo_key_slopshop")
    env["HOME"] = str(tmp_path)
    c = pexpect.spawn(EXECQ, ["repl", "--timeout", "30"], env=env, encoding="utf-8", timeout=60)
    try:
        c.expect(r"Python 3\S* in execq session ([0-9a-f]{8})")
        prefix = c.match.group(1)
        c.expect(">>> ")
        c.sendline("x = 40")
        c.expect(">>> ")
        c.sendline("x + 2")
        c.expect("42\r\n>>> ")
        c.sendline("for i in range(3):")
        c.expect(r"\.\.\. ")
        c.sendline("    print('row', i * x)")
        c.expect(r"\.\.\. ")
        c.sendline("")
        c.expect("row 0\r\nrow 40\r\nrow 80\r\n>>> ")
        c.sendline("import time; print('sleeping', flush=True); time.sleep(25)")
        c.expect("\r\nsleeping")   # its output, not the echo of the line typed
        t0 = time.time()
        c.sendintr()
        c.expect("KeyboardInterrupt")
        c.expect(">>> ")
        assert time.time() - t0 < 15
        c.sendline("print(x)")
        c.expect("40\r\n>>> ")
        c.sendline("1/0")
        c.expect("ZeroDivisionError")
        c.expect(">>> ")
        c.sendeof()
        c.expect(pexpect.EOF)
    finally:
        c.close(force=True)
    assert os.path.exists(tmp_path / ".execq_history")
    # Its session was ended (deleted: gone from the list).
    r = cli(["session", "ls", "--json"], env)
    assert not [s for s in json.loads(r.stdout)["sessions"] if s["session_id"].startswith(prefix)], r.stdout
