"""Sync calls beside a running batch: the lanes of issue 9. Starts its own
broker, one warm executor (default slots) and the API; measures sync
latency idle, then while a 1,000-job batch runs, and prints both with the
target (busy p99 at most 2 x idle p99 plus one batch job's run time).
Asserts nothing: these machines are shared and noisy."""
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import HEADERS, TOP, pct  # noqa: E402

BATCH_CODE = "import time\ntime.sleep(0.05)"


def post(conn, path, body):
    t0 = time.perf_counter()
    conn.request("POST", path, json.dumps(body), HEADERS)
    r = conn.getresponse()
    out = json.loads(r.read())
    return r.status, out, (time.perf_counter() - t0) * 1000


def get(conn, path):
    conn.request("GET", path, headers=HEADERS)
    r = conn.getresponse()
    return json.loads(r.read())


def sync_calls(conn, n, stop=None):
    lat = []
    for i in range(n):
        if stop and stop():
            break
        status, body, ms = post(conn, "/v1/exec-python", {"code": f"print({i})"})
        assert status == 200 and body["stdout"] == f"{i}\n", body
        lat.append(ms)
        time.sleep(0.05)   # 20 calls/s at most, as in the measurement
    return lat


def main():
    n_batch = int(os.environ.get("BENCH_BATCH", "1000"))
    c = Cluster()
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm"])
        c.start_api()
        time.sleep(2)
        conn = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=120)
        sync_calls(conn, 20)   # warm-up
        idle = sync_calls(conn, 200)
        status, b, _ = post(conn, "/v1/batches", {"jobs": [{"code": BATCH_CODE} for _ in range(n_batch)]})
        assert status == 202, b
        batch = b["batch_id"]
        done = {"v": False}

        def watch():
            while not done["v"]:
                if get(conn2, f"/v1/batches/{batch}?limit=1")["counts"]["completed"] >= n_batch:
                    done["v"] = True
                time.sleep(0.2)
        conn2 = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=120)
        t = threading.Thread(target=watch)
        t.start()
        busy = sync_calls(conn, 100000, stop=lambda: done["v"])
        done["v"] = True
        t.join()
        jobs = get(conn, f"/v1/batches/{batch}?limit=200")["jobs"]
        run_ms = sorted(j["result"]["execution_time_ms"] for j in jobs if j.get("result"))
        job_ms = run_ms[len(run_ms) // 2]
    finally:
        c.shutdown()
    target = 2 * pct(idle, .99) + job_ms
    print(f"sync calls (print) at <= 20/s, idle and beside a {n_batch}-job batch of time.sleep(0.05); "
          f"{os.cpu_count()} slots, one executor, broker on the same machine")
    print(f"{'what':<34} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'idle':<34} {len(idle):>5} {pct(idle, .5):>8.1f} {pct(idle, .99):>8.1f}")
    print(f"{'beside the batch':<34} {len(busy):>5} {pct(busy, .5):>8.1f} {pct(busy, .99):>8.1f}")
    print(f"target: busy p99 <= 2 x idle p99 + one batch job ({job_ms} ms) = {target:.1f} ms: "
          f"{'met' if pct(busy, .99) <= target else 'missed'} ({pct(busy, .99) / pct(idle, .99):.1f}x idle p99)")


if __name__ == "__main__":
    main()
