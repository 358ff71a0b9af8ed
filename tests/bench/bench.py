"""End-to-end latency of print('hello') through HTTP and Kafka, at
concurrency 1 and 16, beside the bare interpreter, in one run. Starts its
own broker, one executor (default slots) and the API on free ports.
Prints a table; asserts nothing (these machines are shared and noisy)."""
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

BODY = json.dumps({"code": "print('hello')", "timeout": 10})
HEADERS = {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"}


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def one(conn):
    t0 = time.perf_counter()
    conn.request("POST", "/v1/exec-python", BODY, HEADERS)
    r = conn.getresponse()
    body = json.loads(r.read())
    dt = (time.perf_counter() - t0) * 1000
    assert r.status == 200 and body["stdout"] == "hello\n", body
    return dt, body["execution_time_ms"]


def load(port, concurrency, total):
    lat, exe, lock = [], [], threading.Lock()
    per = total // concurrency

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(per):
            dt, ex = one(conn)
            with lock:
                lat.append(dt)
                exe.append(ex)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, exe, len(lat) / (time.perf_counter() - t0)


def bare(n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(["/usr/bin/python3", "-I", "-c", "print('hello')"], check=True, capture_output=True)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main():
    n1 = int(os.environ.get("BENCH_N1", "200"))
    n16 = int(os.environ.get("BENCH_N16", "400"))
    c = Cluster()
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(os.path.dirname(__file__), "..", "..", "build", "execq-executor")])
        c.start_api()
        time.sleep(2)   # group join
        load(c.api_port, 2, 20)   # warm-up
        b = bare(50)
        l1, e1, t1 = load(c.api_port, 1, n1)
        l16, e16, t16 = load(c.api_port, 16, n16)
    finally:
        c.shutdown()
    print(f"end-to-end print('hello'): HTTP -> Kafka -> executor ({os.cpu_count()} slots) -> sandbox -> Kafka -> HTTP")
    print(f"{'what':<34} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    print(f"{'bare python3 -I -c (subprocess)':<34} {len(b):>5} {pct(b, .5):>8.1f} {pct(b, .99):>8.1f} {'':>7}")
    print(f"{'HTTP round trip, concurrency 1':<34} {len(l1):>5} {pct(l1, .5):>8.1f} {pct(l1, .99):>8.1f} {t1:>7.1f}")
    print(f"{'  of which in the sandbox':<34} {len(e1):>5} {pct(e1, .5):>8.1f} {pct(e1, .99):>8.1f} {'':>7}")
    print(f"{'HTTP round trip, concurrency 16':<34} {len(l16):>5} {pct(l16, .5):>8.1f} {pct(l16, .99):>8.1f} "
          f"{t16:>7.1f}")
    print(f"{'  of which in the sandbox':<34} {len(e16):>5} {pct(e16, .5):>8.1f} {pct(e16, .99):>8.1f} {'':>7}")
    print(f"ratio p50 round trip (c=1) / bare: {pct(l1, .5) / pct(b, .5):.2f}; "
          f"pipeline overhead at c=1 (p50 round trip - p50 sandbox): {pct(l1, .5) - pct(e1, .5):.1f} ms")


if __name__ == "__main__":
    main()
