"""End-to-end latency through HTTP and Kafka, warm vs fresh sandboxes, for
print('hello') and for a numpy+pandas job, at concurrency 1 and 16, beside
the bare interpreter, in one run. Starts its own broker, one executor per
mode (default slots) and the API on free ports. Also reports CPU per job:
the job's own (its cgroup) and the whole host's (every process: broker, API,
executor, sandbox) divided by the jobs run, and that host CPU split by
component, read from /proc in the same run: the broker, the API, the
executor, the launcher, the sandboxes (every process under the launcher:
the zygote, and what the launcher reaped), this bench's own client threads,
and the rest (the kernel's threads and interrupts, other processes). For
the concurrency-1 rows it also splits each call's time into hops, from the
Kafka messages' timestamps (read back with kcat): API in (request to the
job message), to the sandbox (job message to the run's start), the run,
executor out (the run's end to the result message) and back (result
message to the answer). Prints tables; asserts nothing (these machines are
shared and noisy).

`make bench BASE=<rev>` (BENCH_BASE_BUILD: the build directory of <rev>,
made by scripts/bench-base.sh) measures every row twice, the base's
binaries and then the working tree's, one after the other on the same
broker, so a change is compared on the same machine at the same time; each
row then starts its own API and executor."""
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402

CODES = {
    "hello": ("print('hello')", "hello\n"),
    "numpy+pandas": ("import numpy as np, pandas as pd\n"
                     "df = pd.DataFrame({'a': np.arange(100), 'b': np.ones(100)})\n"
                     "print(int(df.sum().sum()))", "5050\n"),
}
HEADERS = {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"}
# Benches load one key far past the default per-account rate (200/s):
# they measure the service, not the rate limit.
os.environ.setdefault("EXECQ_ACCOUNT_REQUESTS_PER_S", "0")
# ... nor its cap on one account's waiting sync calls (100), which the burst
# row (256 at once from one key) would meet.
os.environ.setdefault("EXECQ_ACCOUNT_MAX_SYNC", "0")
TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def host_busy_ms():
    """CPU time spent by the whole host so far (all CPUs, not idle), in ms."""
    f = open("/proc/stat").readline().split()[1:]
    ticks = sum(int(x) for x in f) - int(f[3]) - int(f[4])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
COMPONENTS = ("broker", "API", "executor", "launcher", "sandboxes", "client", "kernel+other")


def stat_of(pid):
    """(own CPU ms, reaped children's CPU ms, ppid, comm) of pid, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    f = text[text.rindex(")") + 2:].split()
    return ((int(f[11]) + int(f[12])) * TICK_MS, (int(f[13]) + int(f[14])) * TICK_MS, int(f[1]), comm)


def all_stats():
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat_of(int(d))
            if st:
                out[int(d)] = st
    return out


def descendants(stats, root):
    kids, todo = [], [root]
    while todo:
        p = todo.pop()
        for pid, st in stats.items():
            if st[2] == p:
                kids.append(pid)
                todo.append(pid)
    return kids


def cpu_snapshot(cluster):
    """CPU ms so far of each component (COMPONENTS but the last), and the host's."""
    stats = all_stats()
    with open(os.path.join(cluster.dir, "kafka", "kafka.pid")) as f:
        broker = int(f.read())
    ex = cluster.procs["executor"].pid
    launchers = [p for p in descendants(stats, ex) if stats[p][3] == "execq-launcher" and stats[p][2] == ex]
    snap = {"broker": stats.get(broker, (0, 0))[0], "API": stats.get(cluster.procs["api"].pid, (0, 0))[0],
            "executor": stats.get(ex, (0, 0))[0], "launcher": 0.0, "sandboxes": 0.0}
    for la in launchers:
        snap["launcher"] += stats[la][0]
        # Everything under it: live ones by their own time, the reaped in
        # the launcher's children's time (a reaped process's own children
        # are added to it by the kernel, as each waited for them).
        snap["sandboxes"] += stats[la][1] + sum(stats[p][0] for p in descendants(stats, la))
    t = os.times()
    snap["client"] = (t.user + t.system) * 1000
    snap["host"] = host_busy_ms()
    return snap


def budget(before, after, n):
    """CPU ms per job of each component between two snapshots."""
    d = {k: (after[k] - before[k]) / n for k in after}
    d["kernel+other"] = d["host"] - sum(d[k] for k in COMPONENTS[:-1])
    return d


def one(conn, code, want):
    t_send = time.time() * 1000
    t0 = time.perf_counter()
    conn.request("POST", "/v1/exec-python", json.dumps({"code": code, "timeout": 10}), HEADERS)
    r = conn.getresponse()
    body = json.loads(r.read())
    dt = (time.perf_counter() - t0) * 1000
    assert r.status == 200 and body["stdout"] == want, body
    return dt, body["cpu_time_ms"], (body["job_id"], t_send, time.time() * 1000)


def load(cluster, concurrency, total, code, want):
    lat, cpu, calls, lock = [], [], [], threading.Lock()
    per = max(1, total // concurrency)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", cluster.api_port, timeout=60)
        for _ in range(per):
            dt, c, call = one(conn, code, want)
            with lock:
                lat.append(dt)
                cpu.append(c)
                calls.append(call)
        conn.close()

    s0, t0 = cpu_snapshot(cluster), time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    b = budget(s0, cpu_snapshot(cluster), len(lat))
    return {"lat": lat, "job_cpu": statistics.mean(cpu), "host_cpu": b["host"], "budget": b,
            "rate": len(lat) / wall, "calls": calls}


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def burst(cluster, concurrency, total, code, want):
    """total sync calls from concurrency threads, each on its own connection,
    all started at once: errors counted (any answer but a 200 with the
    output), latencies of the rest, the API's resident memory sampled every
    10 ms for its peak."""
    lat, errors, lock, peak, done = [], [], threading.Lock(), [0.0], threading.Event()
    api = cluster.procs["api"].pid
    per, start = total // concurrency, threading.Barrier(concurrency + 1)

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", cluster.api_port, timeout=120)
        start.wait()
        for _ in range(per + (1 if k < total % concurrency else 0)):
            try:
                dt, _, _ = one(conn, code, want)
                with lock:
                    lat.append(dt)
            except Exception as e:   # noqa: BLE001 (every failure is counted and named)
                with lock:
                    errors.append(repr(e)[:120])
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", cluster.api_port, timeout=120)
        conn.close()

    def sampler():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(api))
            time.sleep(0.01)

    before = rss_mib(api)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    s = threading.Thread(target=sampler)
    s.start()
    s0, t0 = cpu_snapshot(cluster), time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    done.set()
    s.join()
    return {"lat": lat, "errors": errors, "rate": len(lat) / wall, "rss_before": before, "rss_peak": peak[0],
            "host_cpu": budget(s0, cpu_snapshot(cluster), max(1, len(lat)))["host"], "n": total}


def kafka_times(cluster, topic):
    """{key: (message timestamp ms, value)} of topic, read from its start."""
    out = subprocess.run(["kcat", "-C", "-b", cluster.brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    got = {}
    for line in out.splitlines():
        m = json.loads(line)
        got[m["key"]] = (m["ts"], m.get("payload"))
    return got


def hops(cluster, calls):
    """Per hop, the p50 ms over calls (job id, sent, answered; wall ms)."""
    jobs = kafka_times(cluster, cluster.jobs_topic)
    results = kafka_times(cluster, cluster.results_topic)
    h = {k: [] for k in ("API in", "to the sandbox", "run", "executor out", "back")}
    for jid, sent, answered in calls:
        if jid not in jobs or jid not in results:
            continue
        res = json.loads(results[jid][1])
        end = res["finished_at_ms"]
        start = end - res["execution_time_ms"]
        h["API in"].append(jobs[jid][0] - sent)
        h["to the sandbox"].append(start - jobs[jid][0])
        h["run"].append(res["execution_time_ms"])
        h["executor out"].append(results[jid][0] - end)
        h["back"].append(answered - results[jid][0])
    return {k: statistics.median(v) for k, v in h.items() if v}


def bare(code, n):
    out = []
    b0 = host_busy_ms()
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(["/usr/bin/python3", "-I", "-c", code], check=True, capture_output=True)
        out.append((time.perf_counter() - t0) * 1000)
    return {"lat": out, "host_cpu": (host_busy_ms() - b0) / n}


def row(what, r):
    job = f"{r['job_cpu']:.1f}" if "job_cpu" in r else ""
    rate = f"{r['rate']:.1f}" if "rate" in r else ""
    print(f"{what:<52} {len(r['lat']):>5} {pct(r['lat'], .5):>8.1f} {pct(r['lat'], .99):>8.1f} {rate:>7} "
          f"{job:>9} {r['host_cpu']:>9.1f}")


def start_stack(c, build, mode, db):
    """The executor and the API of one build on c's broker; returns when
    the API answers /healthz."""
    env = dict(c.env, EXECQ_DB_PATH=os.path.join(c.dir, db))   # a base may not read a newer store
    c.start("executor", [os.path.join(build, "execq-executor"), f"--sandbox-mode={mode}"], env=env)
    c.start("api", [os.path.join(build, "execq-api"), f"--port={c.api_port}"], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                time.sleep(2)   # the executor's group join
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{build}: the API never became healthy; see {c.dir}")


def stop_stack(c):
    c.stop("api")
    c.stop("executor")


def measure(c, name, code, want, concurrency, n):
    load(c, 2, 20, code, want)   # warm-up
    r = load(c, concurrency, n, code, want)
    if concurrency == 1:
        r["hops"] = hops(c, r["calls"])
    return r


def main():
    n1 = int(os.environ.get("BENCH_N1", "200"))
    n16 = int(os.environ.get("BENCH_N16", "400"))
    base = os.environ.get("BENCH_BASE_BUILD", "")
    builds = [("", os.path.join(TOP, "build"))]
    if base:
        builds = [(f"base {os.environ.get('BENCH_BASE_REV', '')[:12]}, ", base), ("head, ", os.path.join(TOP, "build"))]
    rows, bursts = [], []
    nb, cb = int(os.environ.get("BENCH_BURST", "2000")), int(os.environ.get("BENCH_BURST_CONC", "256"))
    for name, (code, _) in CODES.items():
        rows.append((f"bare python3 -I -c, {name}", bare(code, 30)))
    modes = os.environ.get("BENCH_MODES", "warm fresh").split()
    for mode in modes:
        c = Cluster()
        try:
            c.start_kafka()
            if not base:
                start_stack(c, builds[0][1], mode, "execq.db")
            for name, (code, want) in CODES.items():
                k = 1 if name == "hello" else 4
                for conc, n in ((1, n1 // k), (16, n16 // k)):
                    for label, build in builds:
                        if base:   # each build's row on a stack of its own, one after the other
                            start_stack(c, build, mode, label.split()[0] + ".db")
                        rows.append((f"{label}{mode}, {name}, concurrency {conc}", measure(c, name, code, want, conc, n)))
                        if base:
                            stop_stack(c)
            for label, build in builds:   # the burst: hello, every call at once
                if base:
                    start_stack(c, build, mode, label.split()[0] + ".db")
                code, want = CODES["hello"]
                load(c, 2, 20, code, want)
                bursts.append((f"{label}{mode}", burst(c, cb, nb, code, want)))
                if base:
                    stop_stack(c)
        finally:
            c.shutdown()
    print(f"end-to-end: HTTP -> Kafka -> executor ({os.cpu_count()} slots) -> sandbox -> Kafka -> HTTP; "
          f"{os.cpu_count()} CPUs, broker on the same machine")
    print(f"{'what':<52} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'exec/s':>7} {'job CPU':>9} {'host CPU':>9}")
    print(f"{'':<52} {'':>5} {'':>8} {'':>8} {'':>7} {'ms/job':>9} {'ms/job':>9}")
    for what, r in rows:
        row(what, r)
    print("\nhost CPU per job by component, ms (from /proc, the same runs)")
    print(f"{'what':<52} " + " ".join(f"{k:>12}" for k in COMPONENTS) + f" {'host':>8}")
    for what, r in rows:
        if "budget" in r:
            print(f"{what:<52} " + " ".join(f"{r['budget'][k]:>12.2f}" for k in COMPONENTS) +
                  f" {r['budget']['host']:>8.2f}")
    print("\nconcurrency 1, each call's time by hop, p50 ms (Kafka message timestamps, ms resolution)")
    names = ("API in", "to the sandbox", "run", "executor out", "back")
    print(f"{'what':<52} " + " ".join(f"{k:>14}" for k in names) + f" {'end to end':>11}")
    for what, r in rows:
        if r.get("hops"):
            print(f"{what:<52} " + " ".join(f"{r['hops'].get(k, float('nan')):>14.1f}" for k in names) +
                  f" {pct(r['lat'], .5):>11.1f}")
    print(f"\na burst of {nb} sync calls of print('hello'), {cb} at once (one connection each), one API")
    print(f"{'what':<52} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'exec/s':>7} {'host CPU':>9} {'API MiB':>16}")
    for what, b in bursts:
        print(f"{what:<52} {len(b['errors']):>7} {pct(b['lat'], .5) if b['lat'] else float('nan'):>8.1f} "
              f"{pct(b['lat'], .99) if b['lat'] else float('nan'):>8.1f} {b['rate']:>7.1f} {b['host_cpu']:>9.1f} "
              f"{b['rss_before']:>6.1f} -> {b['rss_peak']:>6.1f}")
        for e in sorted(set(b["errors"]))[:5]:
            print(f"    error: {e} (x{b['errors'].count(e)})")
    by = dict(rows)
    for label, _ in builds:
        for name in CODES if modes == ["warm", "fresh"] else ():
            w, f = by[f"{label}warm, {name}, concurrency 1"], by[f"{label}fresh, {name}, concurrency 1"]
            print(f"{label}{name}: fresh/warm p50 at concurrency 1: {pct(f['lat'], .5) / pct(w['lat'], .5):.1f}x; "
                  f"exec/s at 16: warm {by[f'{label}warm, {name}, concurrency 16']['rate']:.0f}, "
                  f"fresh {by[f'{label}fresh, {name}, concurrency 16']['rate']:.0f}")
    if base:
        print("head against base, each row's p50 at concurrency 1 and exec/s at 16:")
        for mode in modes:
            for name in CODES:
                b1, h1 = by[f"{builds[0][0]}{mode}, {name}, concurrency 1"], by[f"head, {mode}, {name}, concurrency 1"]
                b16, h16 = by[f"{builds[0][0]}{mode}, {name}, concurrency 16"], by[f"head, {mode}, {name}, concurrency 16"]
                print(f"  {mode}, {name}: p50 {pct(b1['lat'], .5):.1f} -> {pct(h1['lat'], .5):.1f} ms "
                      f"({pct(h1['lat'], .5) / pct(b1['lat'], .5):.2f}x); exec/s {b16['rate']:.0f} -> "
                      f"{h16['rate']:.0f} ({h16['rate'] / b16['rate']:.2f}x); host CPU/job "
                      f"{b16['host_cpu']:.1f} -> {h16['host_cpu']:.1f} ms")


if __name__ == "__main__":
    main()
