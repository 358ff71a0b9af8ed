"""End-to-end latency through HTTP and Kafka, warm vs fresh sandboxes, for
print('hello') and for a numpy+pandas job, at concurrency 1 and 16, beside
the bare interpreter, in one run. Starts its own broker, one executor per
mode (default slots) and the API on free ports. Also reports CPU per job:
the job's own (its cgroup) and the whole host's (every process: broker, API,
executor, sandbox) divided by the jobs run. Prints a table; asserts nothing
(these machines are shared and noisy)."""
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
TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def host_busy_ms():
    """CPU time spent by the whole host so far (all CPUs, not idle), in ms."""
    f = open("/proc/stat").readline().split()[1:]
    ticks = sum(int(x) for x in f) - int(f[3]) - int(f[4])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def one(conn, code, want):
    t0 = time.perf_counter()
    conn.request("POST", "/v1/exec-python", json.dumps({"code": code, "timeout": 10}), HEADERS)
    r = conn.getresponse()
    body = json.loads(r.read())
    dt = (time.perf_counter() - t0) * 1000
    assert r.status == 200 and body["stdout"] == want, body
    return dt, body["cpu_time_ms"]


def load(port, concurrency, total, code, want):
    lat, cpu, lock = [], [], threading.Lock()
    per = max(1, total // concurrency)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(per):
            dt, c = one(conn, code, want)
            with lock:
                lat.append(dt)
                cpu.append(c)
        conn.close()

    b0, t0 = host_busy_ms(), time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"lat": lat, "job_cpu": statistics.mean(cpu), "host_cpu": (host_busy_ms() - b0) / len(lat),
            "rate": len(lat) / wall}


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
    print(f"{what:<44} {len(r['lat']):>5} {pct(r['lat'], .5):>8.1f} {pct(r['lat'], .99):>8.1f} {rate:>7} "
          f"{job:>9} {r['host_cpu']:>9.1f}")


def main():
    n1 = int(os.environ.get("BENCH_N1", "200"))
    n16 = int(os.environ.get("BENCH_N16", "400"))
    rows = []
    for name, (code, _) in CODES.items():
        rows.append((f"bare python3 -I -c, {name}", bare(code, 30)))
    for mode in ("warm", "fresh"):
        c = Cluster()
        try:
            c.start_kafka()
            c.start("executor", [os.path.join(TOP, "build", "execq-executor"), f"--sandbox-mode={mode}"])
            c.start_api()
            time.sleep(2)   # group join
            for name, (code, want) in CODES.items():
                load(c.api_port, 2, 20, code, want)   # warm-up
                k = 1 if name == "hello" else 4
                rows.append((f"{mode}, {name}, concurrency 1", load(c.api_port, 1, n1 // k, code, want)))
                rows.append((f"{mode}, {name}, concurrency 16", load(c.api_port, 16, n16 // k, code, want)))
        finally:
            c.shutdown()
    print(f"end-to-end: HTTP -> Kafka -> executor ({os.cpu_count()} slots) -> sandbox -> Kafka -> HTTP; "
          f"{os.cpu_count()} CPUs, broker on the same machine")
    print(f"{'what':<44} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'exec/s':>7} {'job CPU':>9} {'host CPU':>9}")
    print(f"{'':<44} {'':>5} {'':>8} {'':>8} {'':>7} {'ms/job':>9} {'ms/job':>9}")
    for what, r in rows:
        row(what, r)
    by = dict(rows)
    for name in CODES:
        w, f = by[f"warm, {name}, concurrency 1"], by[f"fresh, {name}, concurrency 1"]
        print(f"{name}: fresh/warm p50 at concurrency 1: {pct(f['lat'], .5) / pct(w['lat'], .5):.1f}x; "
              f"exec/s at 16: warm {by[f'warm, {name}, concurrency 16']['rate']:.0f}, "
              f"fresh {by[f'fresh, {name}, concurrency 16']['rate']:.0f}")


if __name__ == "__main__":
    main()
