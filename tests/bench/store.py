"""What the shared store costs: sync calls (print('hello'), warm sandbox)
and async jobs through one API on SQLite, one API on PostgreSQL, and two
APIs on one PostgreSQL (the load split between them), at concurrency 1 and
16, in one run, on one broker and one executor. Also the store transaction
latency each API reports (execq_store_seconds, p50 from its histogram).
Starts a scratch PostgreSQL (scripts/pg.sh) unless EXECQ_TEST_PG_URL is
set. Prints a table; asserts nothing (these machines are shared and noisy)."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster, free_port  # noqa: E402
from bench import HEADERS, pct  # noqa: E402

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def calls(ports, concurrency, total, path="/v1/exec-python", wait=False):
    """total calls over concurrency threads, spread round robin over the
    APIs' ports; returns latencies (ms) and calls per second."""
    lat, lock = [], threading.Lock()
    per = max(1, total // concurrency)

    def worker(k):
        conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=60) for p in ports]
        for i in range(per):
            c = conns[(k + i) % len(conns)]
            t0 = time.perf_counter()
            c.request("POST", path, json.dumps({"code": "print('hello')"}), HEADERS)
            r = c.getresponse()
            body = json.loads(r.read())
            assert r.status in (200, 202), body
            if wait:   # async: read it back through another API when there is one
                g = conns[(k + i + 1) % len(conns)]
                g.request("GET", f"/v1/jobs/{body['job_id']}?wait=20", headers=HEADERS)
                r = g.getresponse()
                body = json.loads(r.read())
                assert r.status == 200 and body["job"]["status"] == "completed", body
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(dt)
        for c in conns:
            c.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, len(lat) / (time.perf_counter() - t0)


def store_p50_ms(port, op):
    """p50 of execq_store_seconds{op} from the API's /metrics histogram."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    buckets = []
    for line in text.splitlines():
        if line.startswith("execq_store_seconds_bucket") and f'op="{op}"' in line:
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    if not buckets or buckets[-1][1] == 0:
        return float("nan")
    total = buckets[-1][1]
    for le, n in buckets:
        if n >= total / 2:
            return le * 1000
    return float("nan")


def run(pg_url):
    n1 = int(os.environ.get("BENCH_N1", "200"))
    n16 = int(os.environ.get("BENCH_N16", "800"))
    rows = []
    c = Cluster()
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm"])
        setups = [("SQLite, 1 API", [("api-lite", {}, 0)]),
                  ("PostgreSQL, 1 API", [("api-pg", {"EXECQ_DB_URL": pg_url}, 0)]),
                  ("PostgreSQL, 2 APIs", [("api-pg1", {"EXECQ_DB_URL": pg_url}, 0),
                                          ("api-pg2", {"EXECQ_DB_URL": pg_url}, 1)])]
        for label, apis in setups:
            ports = []
            for name, extra, part in apis:
                port = free_port()
                env = dict(c.env, EXECQ_API_GROUP_ID=f"bench-{label.replace(' ', '').replace(',', '')}",
                           EXECQ_REPLY_PARTITION=str(part), **extra)
                c.start_api(name, port=port, env=env)
                ports.append(port)
            time.sleep(2)
            calls(ports, 4, 40)   # warm-up
            for conc, n in ((1, n1), (16, n16)):
                lat, rate = calls(ports, conc, n)
                rows.append((f"{label}: sync, concurrency {conc}", lat, rate))
            lat, rate = calls(ports, 16, n16 // 2, "/v1/jobs", wait=True)
            rows.append((f"{label}: async + ?wait GET, concurrency 16", lat, rate))
            st = " ".join(f"accept {store_p50_ms(p, 'accept'):.2f} / result {store_p50_ms(p, 'result'):.2f}"
                          for p in ports)
            rows.append((f"{label}: store p50 ms (histogram bucket): {st}", None, None))
            for name, _, _ in apis:
                c.stop(name)
    finally:
        c.shutdown()
    print(f"sync and async calls by store; one broker, one warm executor ({os.cpu_count()} slots), "
          f"{os.cpu_count()} CPUs, all on this machine")
    print(f"{'what':<52} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'calls/s':>8}")
    for what, lat, rate in rows:
        if lat is None:
            print(what)
        else:
            print(f"{what:<52} {len(lat):>5} {pct(lat, .5):>8.1f} {pct(lat, .99):>8.1f} {rate:>8.1f}")


def main():
    os.environ.setdefault("EXECQ_ACCOUNT_REQUESTS_PER_S", "0")
    os.environ.setdefault("EXECQ_ACCOUNT_MAX_SYNC", "0")
    url = os.environ.get("EXECQ_TEST_PG_URL")
    if url:
        run(url)
        return
    sys.exit(subprocess.run([os.path.join(TOP, "scripts", "pg.sh"), "run", sys.executable, *sys.argv]).returncode)


if __name__ == "__main__":
    main()
