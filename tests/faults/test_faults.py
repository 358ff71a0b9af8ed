"""Faults, injected into the real stack (one broker, two executors, the
API): the broker stopped or killed, executors killed mid-batch. Each test
asserts counts, never times: no job lost, no double charge, no charge for
a job the caller was told failed, at most `slots` re-runs per executor
kill. The times it sees (detection, recovery, stall) are printed for
docs/operations.md. Tests marked `long` run in `make faults` only; the rest
run in `make test` too. Every test leaves the stack as it found it."""
import datetime
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

import openapi_check
from conftest import ADMIN_TOKEN, SANDBOX_UID_BASES, TOP

SLOTS = 2   # conftest's executors


def kafka_pid(cluster):
    with open(os.path.join(cluster.dir, "kafka", "kafka.pid")) as f:
        return int(f.read())


def health(cluster):
    try:
        with urllib.request.urlopen(cluster.url + "/healthz", timeout=5) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())
    except OSError:
        return {}


def wait_kafka(cluster, state, limit_s=60):
    """Waits until /healthz says kafka is `state`; returns the seconds it took."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if health(cluster).get("kafka") == state:
            return time.time() - t0
        time.sleep(0.1)
    raise AssertionError(f"/healthz never said kafka {state}")


def raw_post(cluster, path, body, key="demo_key_slopshop", timeout=60):
    """(status, headers, body) of a POST."""
    req = urllib.request.Request(cluster.url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, headers, answer = r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        status, headers, answer = e.code, dict(e.headers), json.loads(e.read())
    openapi_check.validate("POST", path, status, headers.get("Content-Type"), answer)
    return status, headers, answer


def balance(api):
    status, body = api.request("GET", "/v1/account")
    assert status == 200, body
    return body["balance"]


def signup(api):
    status, body = api.request("POST", "/v1/signup", {})
    assert status in (200, 201), body
    return api.with_key(body["api_key"])


def results_by_job(cluster, read_committed=False):
    """{job id: [result values]} from the results topic, read as a pipeline would."""
    iso = ["-X", "isolation.level=read_committed"] if read_committed else []
    out = subprocess.run(["kcat", "-C", "-b", cluster.brokers, "-t", cluster.results_topic, "-o", "beginning",
                          "-e", "-q", "-J"] + iso, capture_output=True, text=True, timeout=120, check=True).stdout
    got = {}
    for line in out.splitlines():
        m = json.loads(line)
        h = m.get("headers") or []
        if dict(zip(h[0::2], h[1::2])).get("message-type") != "result":
            continue
        got.setdefault(m["key"], []).append(json.loads(m["payload"]))
    return got


def test_broker_stopped_submissions_fail_fast_and_uncharged(cluster, api):
    """SIGSTOP the broker: once /healthz says Kafka is down, sync, async and
    batch submissions answer 503 queue_unavailable with Retry-After, at once
    and uncharged (before: accepted, charged, and a 504 after the full
    timeout). SIGCONT: jobs run again."""
    user = signup(api)
    before = balance(user)
    pid = kafka_pid(cluster)
    os.kill(pid, signal.SIGSTOP)
    try:
        detect = wait_kafka(cluster, "down")
        answers = []
        for path, body in (("/v1/exec-python", {"code": "print(1)", "timeout": 5}),
                           ("/v1/jobs", {"code": "print(1)"}),
                           ("/v1/batches", {"jobs": [{"code": "print(1)"}, {"code": "print(2)"}]})):
            t0 = time.time()
            status, headers, body = raw_post(cluster, path, body, key=user.key)
            answers.append(time.time() - t0)
            assert status == 503, (path, status, body)
            assert body["error"]["code"] == "queue_unavailable", body
            assert int(headers["Retry-After"]) > 0, headers
        assert balance(user) == before, "a refused submission was charged"
    finally:
        os.kill(pid, signal.SIGCONT)
    recover = wait_kafka(cluster, "up")
    print(f"\nFAULT broker SIGSTOP: detected in {detect:.1f} s; refusals answered in "
          f"{max(answers) * 1000:.0f} ms at most; /healthz up {recover:.1f} s after SIGCONT")
    deadline = time.time() + 60
    while True:
        status, body = user.run("print('back')", timeout=10)
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert status == 200 and body["stdout"] == "back\n", body


def test_a_result_held_up_by_a_stopped_broker_is_not_called_lost(cluster, api):
    """Issue 21, point 5. A sync job runs; the broker is stopped before its
    result can be published, and stays stopped past the job's deadline plus
    --lost-after-ms (1 s here). Before: the API reconciled while Kafka was
    down, called the job lost and refunded it, then dropped the real
    "completed" result when it came (the code ran for free, the customer
    was told it was lost). Now it reconciles only while its results
    consumer is caught up, and a run's result replaces "lost" all the same:
    the job ends completed, charged once."""
    import concurrent.futures
    import sys
    sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
    from test_hygiene import extra_api
    lost_api, _ = extra_api(cluster, "api-lost", "--lost-after-ms=1000")
    try:
        user = signup(lost_api)
        before = balance(user)
        pid = kafka_pid(cluster)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            call = pool.submit(user.run, "import time\ntime.sleep(3)\nprint('ran')", timeout=4)
            time.sleep(1.5)   # taken by an executor, running
            os.kill(pid, signal.SIGSTOP)
            try:
                time.sleep(12)   # past its deadline (4 s + the 5 s grace) plus 1 s
            finally:
                os.kill(pid, signal.SIGCONT)
            status, body = call.result()
        jid = body.get("job_id")
        assert jid, (status, body)
        deadline = time.time() + 40
        while time.time() < deadline:
            status, got = user.request("GET", f"/v1/jobs/{jid}?wait=10", timeout=30)
            assert status == 200, (status, got)
            if got["job"]["status"] == "completed" and got["job"]["result"].get("stdout"):
                break
            time.sleep(1)   # completed as lost, say: a late run's result would still replace it
        assert got["job"]["result"].get("stdout") == "ran\n", f"the job ran, but the API says: {got}"
        assert balance(user) == before - 5, "the job ran, and is charged once"
    finally:
        cluster.stop("api-lost")
    wait_kafka(cluster, "up")


def test_every_answer_about_a_job_names_it(cluster, api):
    """200, 202 and 504 answers carry the job id in the body and in X-Job-Id
    (before: a 504 said "see GET /v1/jobs/{id}" and gave no id)."""
    # An account of its own: the job that times out here is refunded later,
    # which must not move the demo account other tests count on.
    user = signup(api)
    status, headers, body = raw_post(cluster, "/v1/exec-python", {"code": "print(1)"}, key=user.key)
    assert status == 200 and headers["X-Job-Id"] == body["job_id"]
    status, headers, body = raw_post(cluster, "/v1/jobs", {"code": "print(1)"}, key=user.key)
    assert status == 202 and headers["X-Job-Id"] == body["job_id"]
    # No executor takes jobs for a while: the sync call runs out of time.
    execs = [cluster.procs[n] for n in ("executor-1", "executor-2")]
    for p in execs:
        p.send_signal(signal.SIGSTOP)
    try:
        status, headers, body = raw_post(cluster, "/v1/exec-python", {"code": "print(1)", "timeout": 1},
                                         key=user.key)
    finally:
        for p in execs:
            p.send_signal(signal.SIGCONT)
    assert status == 504, body
    assert body["error"]["code"] == "no_result"
    assert len(body["job_id"]) == 36 and headers["X-Job-Id"] == body["job_id"], (headers, body)
    status, job = user.request("GET", f"/v1/jobs/{body['job_id']}?wait=30")
    assert status == 200, job


def run_batch_with_kills(cluster, api, n_jobs, kills):
    """Submits a batch of quick jobs, SIGKILLs executor-1 `kills` times while
    it runs (restarting it each time, as a supervisor would), waits for the
    batch. Returns (batch id, job ids, seconds per kill until jobs flowed)."""
    user = api   # the demo account: a batch this size needs more than a signup's credits
    code = "import time\ntime.sleep(0.05)\nprint('ok')"
    status, body = user.request("POST", "/v1/batches", {"jobs": [{"code": code} for _ in range(n_jobs)]})
    assert status == 202, body
    batch, ids = body["batch_id"], body["job_ids"]
    stalls = []
    for k in range(kills):
        # The first kill once the batch is under way; each later one 0.3 s
        # after the restarted executor has finished two jobs (its own log,
        # written afresh at each start, says so before any result is visible): a result it has not had
        # acknowledged by then (so a job not committed) costs a re-run.
        # Before: a fresh executor's results waited a second for its
        # producer to learn the results topic, and each kill re-ran ~10.
        if k == 0:
            time.sleep(1.5)
        else:
            t0 = time.time()
            while cluster.log("executor-1").count(" job=") < 2 and time.time() - t0 < 30:
                time.sleep(0.02)
            time.sleep(0.3)
        victim = cluster.procs.pop("executor-1")
        victim.kill()
        victim.wait()
        cluster.start_executor("executor-1", SANDBOX_UID_BASES[0])
        t0 = time.time()
        done0 = user.request("GET", f"/v1/batches/{batch}?limit=1")[1]["counts"]["completed"]
        while time.time() - t0 < 60:
            c = user.request("GET", f"/v1/batches/{batch}?limit=1")[1]["counts"]["completed"]
            if c > done0 + 2 * SLOTS or c == n_jobs:
                break
            time.sleep(0.1)
        stalls.append(time.time() - t0)
    deadline = time.time() + 300
    while time.time() < deadline:
        status, body = user.request("GET", f"/v1/batches/{batch}?wait=10&limit=1", timeout=30)
        if body["counts"]["completed"] == n_jobs:
            break
    assert body["counts"]["completed"] == n_jobs, body["counts"]
    return user, batch, ids, stalls


def test_executor_killed_during_a_batch_reruns_at_most_its_slots(cluster, api):
    """SIGKILL an executor three times during a 400-job batch: nothing is lost,
    nothing charged twice, and each kill re-runs at most the jobs the killed
    executor was running (before: offsets were committed once a second, and
    three kills re-ran 146 jobs)."""
    kills = 3
    before = balance(api)
    user, batch, ids, stalls = run_batch_with_kills(cluster, api, 400, kills)
    results = results_by_job(cluster)
    runs = {j: [r for r in results.get(j, []) if r["status"] == "completed"] for j in ids}
    assert all(len(r) >= 1 for r in runs.values()), "a job of the batch has no completed result"
    reruns = sum(len(r) - 1 for r in runs.values())
    # One outcome per job under docs/results-topic.md's rule, and it is the run.
    for j in ids:
        rs = results.get(j, [])
        outcome = next((r for r in rs if r["status"] != "expired"), rs[0] if rs else None)
        assert outcome and outcome["status"] == "completed", (j, rs)
    print(f"\nFAULT executor SIGKILL x{kills} in a 400-job batch: {reruns} re-run(s); "
          f"jobs flowed again {', '.join(f'{s:.1f}' for s in stalls)} s after each restart")
    assert reruns <= kills * SLOTS, reruns
    # Charged once per job: 400 x the price, whatever ran twice.
    assert before - balance(api) == 400 * 5


def supervise(cluster, restarted):
    """What make run or a restart policy does: an executor that stopped
    (its consumer failed for good, e.g. fenced after a broker restart) is
    started again. Appends the names restarted."""
    for n, base in (("executor-1", SANDBOX_UID_BASES[0]), ("executor-2", SANDBOX_UID_BASES[1])):
        p = cluster.procs.get(n)
        if p is not None and p.poll() is not None:
            assert "failed for good" in cluster.log(n), cluster.log(n)[-2000:]
            cluster.procs.pop(n)
            cluster.start_executor(n, base)
            restarted.append(n)


def log_time(line):
    """The wall time of one of our log lines ("2026-12-06T19:41:32.770Z ...")."""
    return datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def restart_kafka(cluster):
    subprocess.run([os.path.join(TOP, "scripts/kafka.sh"), "start", os.path.join(cluster.dir, "kafka"),
                    str(cluster.kafka_port), str(cluster.kafka_ctrl)], check=True, capture_output=True)


def test_broker_killed_while_jobs_run(cluster, api):
    """Issue 22, points 1 and 2. Four sync jobs run (both executors' slots)
    when the broker is SIGKILLed; calls keep coming every 50 ms.
    Point 1: the first 503 is answered within 1 s of the kill (it took
    5.9 s: two failed health rounds, and calls accepted meanwhile waited
    for Kafka's 5 s message timeout). Point 2: the broker comes back after
    the jobs' deadlines; the results topic, read with read_committed as a
    pipeline would, holds exactly one outcome per job (before: the
    executor that had run a job re-read it, found it expired and published
    "expired" after its "completed")."""
    import concurrent.futures
    user = signup(api)
    pid = kafka_pid(cluster)
    answers = []   # (sent, answered, status) in seconds from the kill
    logged = {name: len(cluster.log(name)) for name in ("api", "executor-1", "executor-2")}

    def call(t_kill):
        sent = time.time() - t_kill
        status, _, body = raw_post(cluster, "/v1/exec-python", {"code": "print(1)", "timeout": 5}, key=user.key)
        assert status in (503, 504, 200), body
        answers.append((sent, time.time() - t_kill, status))

    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        running = [pool.submit(user.run, "import time\ntime.sleep(2.5)\nprint('ran')", timeout=3) for _ in range(2 * SLOTS)]
        time.sleep(1.0)   # taken by the executors, running
        os.kill(pid, signal.SIGKILL)
        t_kill = time.time()
        calls = []
        while time.time() - t_kill < 2:
            calls.append(pool.submit(call, t_kill))
            time.sleep(0.05)
        for c in calls:
            c.result()
        ran = [r.result() for r in running]
    refused = sorted(answered for sent, answered, status in answers if status == 503)
    slowest = max((answered - sent for sent, answered, status in answers if sent > 0.2), default=None)
    # Past the running jobs' deadlines (3 s + the 5 s grace from their start).
    time.sleep(max(0.0, 10 - (time.time() - t_kill)))
    os.remove(os.path.join(cluster.dir, "kafka", "kafka.pid"))
    t_restart = time.time()
    restart_kafka(cluster)
    wait_kafka(cluster, "up", 120)
    restarted = []
    deadline = time.time() + 120
    while True:
        supervise(cluster, restarted)
        status, body = user.run("print('back')", timeout=10)
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, body
    time.sleep(8)   # redelivered jobs, if any, are re-read and answered by now
    supervise(cluster, restarted)
    ids = [body.get("job_id") for _, body in ran]
    assert all(ids), ran
    got = results_by_job(cluster, read_committed=True)
    twice = {jid: [(r["status"], r.get("executor")) for r in got.get(jid, [])] for jid in ids
             if len(got.get(jid, [])) != 1}
    print(f"\nFAULT broker SIGKILL with {len(ids)} jobs running: first 503 answered "
          f"{refused[0] if refused else float('nan'):.2f} s after the kill; slowest answer to a call sent "
          f"0.2-2 s after it: {slowest:.2f} s; outcomes on the results topic per running job: "
          f"{[len(got.get(j, [])) for j in ids]}; executors restarted: {len(restarted)}; jobs fetched again and "
          f"not answered twice: {sum(cluster.log(n).count('not run again') + cluster.log(n).count('nothing published') for n in ('executor-1', 'executor-2'))}")
    assert refused and refused[0] < 1.0, answers
    assert slowest is not None and slowest < 1.0, answers
    assert not twice, f"jobs with other than one outcome on the results topic: {twice}"
    # Point 6: one line per event. Before, each lost connection was logged
    # twice (kafka FAIL and kafka error _TRANSPORT) by each client, with
    # librdkafka's guess of a TLS listener; every start logged GETPID.
    for name in ("api", "executor-1", "executor-2"):
        lines = [l for l in cluster.log(name)[logged[name]:].splitlines() if " debug " not in l]
        noise = [l for l in lines if "kafka FAIL" in l or "SSL listener" in l or "SASL" in l or "GETPID" in l]
        assert not noise, f"{name}: {noise[:3]}"
        # The outage is one event, logged once, up to the broker's restart;
        # a client of the process that loses every connection again after
        # that (seen once in four CI passes, under ASan, 17 s after the
        # restart) is another event.
        down = [l for l in lines if "every broker connection is down" in l and log_time(l) < t_restart]
        assert len(down) == 1, f"{name} logged the loss of every broker {len(down)} times: {down}"
        assert "warning" in down[0], down


def launchers_of(pid):
    """pids and states of execq-launcher processes whose parent was pid
    (their parent now, or by their cgroup: a dead executor's x<pid>)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            with open(f"/proc/{d}/cgroup") as f:
                cg = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        state = stat[stat.rindex(")") + 2]
        if comm == "execq-launcher" and (f"/x{pid}" in cg or stat.split()[3] == str(pid)):
            out.append((int(d), state))
    return out


def test_a_sigkilled_executor_is_cleaned_up_at_the_next_start(cluster, api):
    """Issue 22, point 4. SIGKILL an executor: its launcher dies with it
    (PR_SET_PDEATHSIG), and the executor started next on the host removes
    the dead one's cgroups (before: the restarted executor left them, as
    its check took a pid that still existed, a zombie or a reused one, for
    a live executor)."""
    status, body = api.run("print('warm')", timeout=5)
    assert status == 200, body
    p = cluster.procs["executor-1"]
    old = p.pid
    groups = [f"/sys/fs/cgroup/{ctrl}/{cluster.cgroup_parent}/x{old}" for ctrl in ("memory", "pids", "cpu")]
    assert any(os.path.isdir(g) for g in groups), groups
    os.kill(old, signal.SIGKILL)
    # Left a zombie on purpose: a supervisor that has not reaped it yet
    # (make run restarts at once), or a pid 1 that never reaps.
    time.sleep(1)
    left = launchers_of(old)
    assert all(state == "Z" for _, state in left), f"launchers of the dead executor still run: {left}"
    cluster.procs.pop("executor-1")
    cluster.start_executor("executor-1", SANDBOX_UID_BASES[0])
    new = cluster.procs["executor-1"].pid
    deadline = time.time() + 30
    while time.time() < deadline and f":{new}: " not in cluster.log("executor-1"):
        time.sleep(0.2)
    still = [g for g in groups if os.path.isdir(g)]
    p.wait()
    assert not still, f"the dead executor's cgroups are still there after the next start: {still}"
    status, body = api.run("print('after')", timeout=5)
    assert status == 200 and body["stdout"] == "after\n", body


def busy_slots(cluster, name):
    with urllib.request.urlopen(f"http://{cluster.metrics[name]}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("execq_executor_busy_slots "):
                return float(line.split()[1])
    return 0.0


def test_an_executor_killed_mid_stream_ends_with_the_real_outcome(cluster, api):
    """Issue 24: a streamed call whose executor is SIGKILLed while the job
    prints. The job's offset was never committed, so the executor started
    again runs it again from its start: the stream says restart, the output
    starts over at offset 0, and the stream ends with the result of the run
    that finished, not with an error; the caller is charged once."""
    import http.client
    import sys
    sys.path.insert(0, os.path.join(TOP, ".run", "pylib"))
    from sseclient import SSEClient
    code = ("import time\n"
            "for i in range(25):\n"
            "    print(f'line {i:02d}', flush=True)\n"
            "    time.sleep(0.2)\n")
    want = "".join(f"line {i:02d}\n" for i in range(25))
    before = balance(api)
    conn = http.client.HTTPConnection("127.0.0.1", int(cluster.url.rsplit(":", 1)[1]), timeout=60)
    conn.request("POST", "/v1/exec-python", json.dumps({"code": code, "stream": True, "timeout": 20}),
                 headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200
    events = SSEClient(resp).events()
    got = ""
    for ev in events:
        assert ev.event == "stdout", ev.event
        got += json.loads(ev.data)["text"]
        if "line 02" in got:
            break
    # Every executor with a busy slot, the one running this job among them:
    # the other may be busy too (cleaning up after the previous test, or
    # waiting out an assignment's settling time), and killing only "the
    # first busy one" once killed the wrong one in a CI run.
    busy = [n for n in ("executor-1", "executor-2") if busy_slots(cluster, n) >= 1]
    assert busy, "no executor runs the job"
    t_kill = time.time()
    for name in busy:
        p = cluster.procs.pop(name)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    for name in busy:
        cluster.start_executor(name, SANDBOX_UID_BASES[0 if name == "executor-1" else 1])
    rest = [(ev.event, json.loads(ev.data)) for ev in events]
    conn.close()
    kinds = [k for k, _ in rest]
    assert kinds[-1] == "result" and "restart" in kinds, kinds
    after = rest[len(kinds) - 1 - kinds[::-1].index("restart") + 1:]
    text = "".join(d["text"] for k, d in after if k == "stdout")
    firsts = [d["offset"] for k, d in after if k == "stdout"][:1]
    assert firsts in ([], [0]), firsts   # the run that finished: from offset 0
    result = rest[-1][1]
    assert result["stdout"] == want and text == want and result["exit_code"] == 0, (text, result)
    assert before - balance(api) == 5   # one charge, whatever ran twice
    print(f"\nFAULT executor SIGKILL mid-stream: restart event, then the result "
          f"{time.time() - t_kill:.1f} s after the kill")


def test_a_fenced_executor_rejoins_its_group(cluster, api):
    """Issue 22, point 3. Another consumer joins the executors' group under
    executor-1's static member id (what a rejoin racing its own stale
    session does under load): the broker fences executor-1. Before: its
    consumer failed for good and the process exited 1, its jobs waiting for
    a supervisor. Now it makes a new consumer and rejoins, in the same
    process, and jobs keep running."""
    import socket
    status, body = api.run("print('before')", timeout=5)
    assert status == 200, body
    p = cluster.procs["executor-1"]
    instance = f"{socket.gethostname()}-{SANDBOX_UID_BASES[0]}"
    impostor = subprocess.Popen(["kcat", "-b", cluster.brokers, "-G", cluster.env["EXECQ_GROUP_ID"],
                                 cluster.jobs_topic, "-X", f"group.instance.id={instance}",
                                 "-X", "session.timeout.ms=6000", "-q", "-o", "end"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and "fenced" not in cluster.log("executor-1") and p.poll() is None:
            time.sleep(0.2)
        assert "fenced" in cluster.log("executor-1"), cluster.log("executor-1")[-3000:]
    finally:
        impostor.kill()
        impostor.wait()
    time.sleep(2)
    assert p.poll() is None, "the fenced executor exited: " + cluster.log("executor-1")[-2000:]
    ids = []
    for _ in range(8):   # jobs spread over the partitions: both executors get some
        status, body = api.run("print('after')", timeout=5)
        assert status == 200 and body["stdout"] == "after\n", body
        ids.append(body["job_id"])
    got = results_by_job(cluster)
    ran_by = {got[j][0]["executor"].rsplit(":", 1)[-1] for j in ids}
    # executor-1 takes jobs again (not only executor-2).
    assert str(p.pid) in ran_by, (ran_by, p.pid)


@pytest.mark.long
def test_healthz_beside_5000_waiting_calls(cluster, api):
    """Issue 22, point 5. 5,000 GETs wait (?wait=) on a running job, sent in
    one burst on their own connections, while /healthz is asked every 20 ms
    on a fresh connection; the job ends and all 5,000 are answered. Before,
    the HTTP thread handled the 5,000 wake-ups in one pass, and a /healthz
    arriving meanwhile waited for all of them (its slowest answer took 77%
    of the time to answer them all: 362 of 470 ms). Now the wake-ups are
    paced to the thread's progress and /healthz gets in between. Asserted as
    a ratio within the run (the machine's speed cancels out); the times are
    printed for docs/operations.md."""
    import selectors
    import socket
    import sys
    import threading
    sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
    from test_hygiene import extra_api
    n = 5000
    wapi, port = extra_api(cluster, "api-waits", f"--account-max-waits={n + 100}", "--account-requests-per-s=0",
                           f"--max-connections-per-address={n + 500}")
    try:
        status, body = wapi.request("POST", "/v1/jobs", {"code": "import time\ntime.sleep(8)", "timeout": 30})
        assert status == 202, body
        jid = body["job_id"]
        lat, stop = [], threading.Event()

        def probe():
            while not stop.is_set():
                t0 = time.time()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                    r.read()
                lat.append((t0, time.time() - t0))
                time.sleep(0.02)

        th = threading.Thread(target=probe)
        th.start()
        time.sleep(0.5)
        req = (f"GET /v1/jobs/{jid}?wait=20 HTTP/1.1\r\nHost: x\r\n"
               f"Authorization: Bearer demo_key_slopshop\r\n\r\n").encode()
        socks = []
        t_burst = time.time()
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(req)
            socks.append(s)
        t_sent = time.time()
        status, done = wapi.request("GET", f"/v1/jobs/{jid}?wait=20", timeout=30)
        assert status == 200 and done["job"]["status"] == "completed", done
        t_done = time.time()
        sel = selectors.DefaultSelector()
        for sk in socks:
            sel.register(sk, selectors.EVENT_READ)
        left = len(socks)
        while left and time.time() - t_done < 10:
            for key, _ in sel.select(timeout=1):
                sel.unregister(key.fileobj)
                left -= 1
        t_answered = time.time() - t_done
        time.sleep(max(0.0, 3 - (time.time() - t_done)))
        stop.set()
        th.join()
        for s in socks:
            s.close()
        arriving = sorted(l for t, l in lat if t_burst <= t < t_sent + 1)
        holding = sorted(l for t, l in lat if t_sent + 1 <= t < t_done - 0.5)
        waking = sorted(l for t, l in lat if t >= t_done - 0.5)
        def q(xs, p):
            return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")
        print(f"\nFAULT {n} waiting GETs sent in {t_sent - t_burst:.1f} s: /healthz while they arrive p50 "
              f"{q(arriving, .5):.1f} ms, max {q(arriving, 1):.1f} ms ({len(arriving)} asked); while they wait p50 "
              f"{q(holding, .5):.1f} ms, max {q(holding, 1):.1f} ms ({len(holding)} asked); as they are answered "
              f"p50 {q(waking, .5):.1f} ms, max {q(waking, 1):.1f} ms (all {n} answered {t_answered * 1000:.0f} ms "
              f"after the job's own wait); slowest while arriving "
              f"{[round(x * 1000) for x in arriving[-6:]]} ms, waking {[round(x * 1000) for x in waking[-4:]]} ms")
        assert left == 0, f"{left} waiting GETs never answered"
        assert waking and max(waking) < 0.5 * t_answered, (max(waking), t_answered)
    finally:
        cluster.stop("api-waits")


@pytest.mark.long
def test_broker_killed_and_restarted(cluster, api):
    """SIGKILL the broker for 20 s while calls keep coming: every call is
    answered 503 (uncharged) or 200 (ran once); after the restart jobs run
    again, and the account balance is exactly granted - charged + refunded."""
    user = signup(api)
    before = balance(user)
    pid = kafka_pid(cluster)
    os.kill(pid, signal.SIGKILL)
    t_kill = time.time()
    statuses, unsure = [], []
    while time.time() - t_kill < 20:
        status, _, body = raw_post(cluster, "/v1/exec-python", {"code": "print(1)", "timeout": 5}, key=user.key)
        statuses.append(status)
        assert status in (503, 504, 200), body
        if status == 504:   # in flight as the broker died: its outcome comes later
            assert len(body["job_id"]) == 36, body
            unsure.append(body["job_id"])
        time.sleep(0.5)
    os.remove(os.path.join(cluster.dir, "kafka", "kafka.pid"))
    restart_kafka(cluster)
    t_up = time.time()
    wait_kafka(cluster, "up", 120)
    restarted = []
    while True:
        supervise(cluster, restarted)
        status, _, body = raw_post(cluster, "/v1/exec-python", {"code": "print('back')", "timeout": 10}, key=user.key)
        if status == 200 or time.time() - t_up > 120:
            break
        time.sleep(0.5)
    assert status == 200, body
    first_job = time.time() - t_up
    time.sleep(3)
    supervise(cluster, restarted)
    # Every job the caller was not given a final answer for ends completed
    # (ran, charged) or refunded (never ran), within a bound.
    ran_later = 0
    for jid in unsure:
        deadline = time.time() + 120
        while True:
            status, j = user.request("GET", f"/v1/jobs/{jid}?wait=20", timeout=40)
            assert status == 200, j
            if j["job"]["status"] == "completed" or time.time() > deadline:
                break
        assert j["job"]["status"] == "completed", j
        ran_later += "error" not in (j["job"].get("result") or {})
    status, acct = user.request("GET", "/v1/account")
    assert acct["balance"] == acct["credits_granted"] - acct["credits_charged"] + acct["credits_refunded"], acct
    ran = statuses.count(200) + 1 + ran_later
    assert before - acct["balance"] == 5 * ran, (before, acct, statuses)
    print(f"\nFAULT broker SIGKILL 20 s: {statuses.count(503)} calls answered 503 uncharged, "
          f"{statuses.count(200)} ran, {len(unsure)} answered 504 with their id ({ran_later} of them ran later, "
          f"the rest refunded); first job {first_job:.1f} s after the broker came back; "
          f"executors restarted after failing for good: {len(restarted)}")


@pytest.mark.long
def test_api_killed_and_restarted(cluster, api):
    """SIGKILL the API with a batch accepted: after a restart every job of
    the batch completes, once, and charges stay exact."""
    before = balance(api)
    status, body = api.request("POST", "/v1/batches", {"jobs": [{"code": f"print({i})"} for i in range(50)]})
    assert status == 202
    batch = body["batch_id"]
    victim = cluster.procs.pop("api")
    victim.kill()
    victim.wait()
    t0 = time.time()
    cluster.url = cluster.start_api()
    restart = time.time() - t0
    deadline = time.time() + 120
    while time.time() < deadline:
        status, b = api.request("GET", f"/v1/batches/{batch}?wait=10&limit=1", timeout=30)
        if status == 200 and b["counts"]["completed"] == 50:
            break
    assert b["counts"]["completed"] == 50, b
    assert before - balance(api) == 50 * 5
    print(f"\nFAULT API SIGKILL with a 50-job batch: healthy {restart:.1f} s after the restart; "
          f"the batch completed {time.time() - t0:.1f} s after it")


def start_run_sh(tmp_path):
    """`make run`'s script on free ports, in a scratch tree (its .run state
    stays there), in a session of its own. Returns (process, env, url, tree)."""
    from conftest import free_port
    port, kport, kctrl = free_port(), free_port(), free_port()
    env = dict(os.environ, EXECQ_PORT=str(port), EXECQ_KAFKA_PORT=str(kport), EXECQ_KAFKA_CONTROLLER_PORT=str(kctrl),
               EXECQ_UID_BASE=str(SANDBOX_UID_BASES[0] + 300), EXECQ_SLOTS="1",
               EXECQ_CGROUP_PARENT=f"execq-test-run-{port}", EXECQ_SANDBOX_ROOT=f"/run/execq-test-run-{port}",
               EXECQ_DB_PATH=str(tmp_path / "execq.db"), EXECQ_METRICS_ADDR=f"127.0.0.1:{free_port()}")
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    for f in ("run.sh", "kafka.sh"):
        (tree / "scripts" / f).write_bytes(open(os.path.join(TOP, "scripts", f), "rb").read())
        os.chmod(tree / "scripts" / f, 0o755)
    os.symlink(os.path.join(TOP, "scripts", "kafka"), tree / "scripts" / "kafka")
    os.symlink(os.path.join(TOP, "build"), tree / "build")
    os.symlink(os.path.join(TOP, ".kafka"), tree / ".kafka")
    log = open(tmp_path / "run.log", "w")
    p = subprocess.Popen([str(tree / "scripts" / "run.sh")], env=env, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    return p, env, f"http://127.0.0.1:{port}", tree


def cleanup_run_sh(p, env):
    """Stops what is left of a run.sh session and the empty cgroups and
    mount points its executors leave."""
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        p.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
    for ctrl in ("memory", "pids", "cpu", "cpuacct", "freezer"):
        top = f"/sys/fs/cgroup/{ctrl}/{env['EXECQ_CGROUP_PARENT']}"
        for d in sorted((os.path.join(r, n) for r, ds, _ in os.walk(top) for n in ds), reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass
        try:
            os.rmdir(top)
        except OSError:
            pass
    for d in (os.path.join(env["EXECQ_SANDBOX_ROOT"], "root"), env["EXECQ_SANDBOX_ROOT"]):
        try:
            os.rmdir(d)
        except OSError:
            pass


def run_sh_answers(url):
    try:
        req = urllib.request.Request(url + "/v1/exec-python", data=b'{"code": "print(7)"}', method="POST",
                                     headers={"Authorization": "Bearer demo_key_slopshop"})
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read()).get("stdout") == "7\n"
    except OSError:
        return False


def test_make_run_stops_for_good_on_sigterm(tmp_path):
    """SIGTERM (or Ctrl-C) to `make run`'s script stops the API, the
    executor and the broker, and the script itself. Before: the trap
    stopped them, then the supervision loop went on and started the API
    and the executor again, without a broker, for ever."""
    p, env, url, tree = start_run_sh(tmp_path)
    try:
        t0 = time.time()
        while not run_sh_answers(url):
            assert time.time() - t0 < 120, open(tmp_path / "run.log").read()[-3000:]
            time.sleep(0.5)
        os.kill(p.pid, signal.SIGTERM)   # the script alone, as `kill` would
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            raise AssertionError("run.sh still running 30 s after SIGTERM: " + open(tmp_path / "run.log").read()[-1500:])
        assert rc == 0
        time.sleep(1)
        left = subprocess.run(["pgrep", "-s", str(p.pid)], capture_output=True, text=True).stdout.split()
        assert left == [], f"processes of make run left: {left}"
        assert "starting it again" not in open(tmp_path / "run.log").read()
    finally:
        cleanup_run_sh(p, env)


@pytest.mark.long
def test_make_run_restarts_what_dies(tmp_path):
    """`make run`'s supervisor: SIGKILL the API, then the broker; each time
    it says which part died and how, starts it again, and the service
    answers again."""
    p, env, url, tree = start_run_sh(tmp_path)

    def wait_ok(limit=120):
        t0 = time.time()
        while time.time() - t0 < limit:
            if run_sh_answers(url):
                return time.time() - t0
            time.sleep(0.5)
        raise AssertionError(open(tmp_path / "run.log").read()[-3000:])

    def pid_of(prog):
        out = subprocess.run(["pgrep", "-s", str(p.pid), "-f", prog], capture_output=True, text=True).stdout
        return int(out.split()[0])

    try:
        wait_ok()
        os.kill(pid_of("build/execq-api"), signal.SIGKILL)
        api_back = wait_ok()
        assert "run: execq-api was killed by signal 9" in open(tmp_path / "run.log").read()
        with open(tree / ".run" / "kafka" / "kafka.pid") as f:
            os.kill(int(f.read()), signal.SIGKILL)
        time.sleep(2)
        kafka_back = wait_ok(180)
        assert "run: the Kafka broker died" in open(tmp_path / "run.log").read()
        print(f"\nFAULT make run: API SIGKILL, answering again in {api_back:.1f} s; "
              f"broker SIGKILL, answering again in {kafka_back:.1f} s")
    finally:
        cleanup_run_sh(p, env)


@pytest.mark.long
def test_api_stops_cleanly_under_load(cluster, api):
    """SIGTERM an API while keep-alive clients post without pause: it exits
    0; every answer is 200 or 503; a refused call (no job id) costs nothing,
    and exactly the calls that got a job id were charged (before: the
    producer was destroyed before HTTP stopped, so a POST during the drain
    was charged and produced on a freed handle)."""
    import http.client
    import threading
    from conftest import free_port
    port = free_port()
    # No rate limit: 4 keep-alive clients pass 200 calls/s (429s are not
    # what this tests either).
    url = cluster.start_api("api-drain", port=port, extra=("--account-requests-per-s=0",))
    user = signup(api)
    # Credits for as many calls as 4 clients make in 2 s (a signup's 500
    # ran out once the stack got faster: 402s are not what this tests).
    acct = user.request("GET", "/v1/account")[1]["account_id"]
    status, body = api.with_key(ADMIN_TOKEN).request("POST", f"/v1/admin/accounts/{acct}/credits",
                                                     {"credits": 100000, "reason": "drain test"})
    assert status == 200, body
    before = balance(user)
    answers, lock, stop = [], threading.Lock(), threading.Event()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            try:
                conn.request("POST", "/v1/exec-python", json.dumps({"code": "print(1)", "timeout": 5}),
                             {"Authorization": f"Bearer {user.key}", "Content-Type": "application/json"})
                r = conn.getresponse()
                body = json.loads(r.read())
                with lock:
                    answers.append((r.status, body))
            except (OSError, http.client.HTTPException, ValueError):
                break   # the API closed the connection: it is gone
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    p = cluster.procs.pop("api-drain")
    p.send_signal(signal.SIGTERM)
    rc = p.wait(60)
    stop.set()
    for t in threads:
        t.join(60)
    assert rc == 0, cluster.log("api-drain")[-3000:]
    assert answers and all(s in (200, 503) for s, _ in answers), [a for a in answers if a[0] not in (200, 503)][:3]
    with_id = {b["job_id"] for _, b in answers if b.get("job_id")}
    time.sleep(1)
    assert before - balance(user) == 5 * len(with_id), (before, balance(user), len(with_id), len(answers))
    print(f"\nFAULT API SIGTERM under load: {len(answers)} answers "
          f"({sum(s == 503 for s, _ in answers)} of them 503), exit 0")
