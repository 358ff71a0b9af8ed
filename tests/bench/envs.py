#!/usr/bin/env python3
"""Environments (issue 27): a job in a non-default warm environment against
one in the default, in the same run, and the cost of an environment's cold
start (its zygote only: the environment is built already).

One executor (the machine's CPUs as slots) and the API on a broker of their
own; the environments come from a package index on loopback
(tests/pkgindex.py) and import what the default zygote imports (numpy,
pandas, ...) plus their own package. Rows alternate in blocks (default,
env, default, env, ...) so that a noisy minute hurts both alike; a mixed
row alternates call by call (each switch drops the slot's sandbox built
ahead and builds one from the other zygote on the call's path). The cold
start: --env-zygotes-mb=0, so calls alternating between two environments
each start the zygote of theirs (env_cold_start_ms in the result).

    BENCH_ENV_N=200 /usr/bin/python3 tests/bench/envs.py"""
import http.client
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import TEST_ENV_REQUIREMENTS, Cluster, wait_env  # noqa: E402,F401
from pkgindex import PackageIndex  # noqa: E402

HEADERS = {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"}
CODES = {
    "hello": ("print('hello')", "hello\n"),
    "numpy+pandas": ("import numpy as np, pandas as pd\n"
                     "df = pd.DataFrame({'a': np.arange(100)})\n"
                     "print(int(df.sum().sum()))", "4950\n"),
}


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]


def call(conn, code, want, env):
    body = {"code": code, "timeout": 10}
    if env:
        body["env"] = env
    t0 = time.perf_counter()
    conn.request("POST", "/v1/exec-python", json.dumps(body), HEADERS)
    r = conn.getresponse()
    out = json.loads(r.read())
    dt = (time.perf_counter() - t0) * 1000
    assert r.status == 200 and out["stdout"] == want, out
    return dt, out


def load(port, concurrency, total, code, want, env):
    lat, lock = [], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(max(1, total // concurrency)):
            dt, _ = call(conn, code, want, env)
            with lock:
                lat.append(dt)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, len(lat) / (time.perf_counter() - t0)


def main():
    n = int(os.environ.get("BENCH_ENV_N", "200"))
    blocks = 5
    c = Cluster()
    idx = PackageIndex().start()
    c.index = idx
    # The environments warm what the default warms, and their own package.
    warm = "numpy,pandas,json,math,re,random,collections,itertools,functools,datetime,os,sys,execq_hello"
    c.declare_env("bench", f"execq-hello==1.0\n# execq: warm_imports={warm}\n")
    c.declare_env("other", f"execq-util==2.0\n# execq: warm_imports={warm.replace('execq_hello', 'execq_util')}\n")
    rows, cold = [], []
    try:
        c.start_kafka()
        c.start_executor("executor", 700000, slots=os.cpu_count(), extra=["--env-zygotes-mb=0"])
        c.url = c.start_api()
        for e in ("bench", "other"):
            wait_env(c.url, e, ready=1)
        port = c.api_port
        for name, (code, want) in CODES.items():
            for env in ("", "bench"):
                load(port, 2, 20, code, want, env)   # warm-up, and the env's zygote started
            for conc in (1, 16):
                lat = {"": [], "bench": []}
                rate = {"": [], "bench": []}
                for _ in range(blocks):
                    for env in ("", "bench"):
                        l, r = load(port, conc, max(conc, n // blocks), code, want, env)
                        lat[env] += l
                        rate[env].append(r)
                for env in ("", "bench"):
                    rows.append((f"{name}, {'env bench' if env else 'default'}, concurrency {conc}", lat[env],
                                 statistics.median(rate[env])))
            # Call by call: default, env, default, ... (each switch builds on the path).
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mixed = [call(conn, code, want, "bench" if i % 2 else "")[0] for i in range(n // 2)]
            conn.close()
            rows.append((f"{name}, mixed call by call, concurrency 1", mixed, None))
        # Cold starts: two environments, zygotes budget 0: every switch a start.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(20):
            env = ("bench", "other")[i % 2]
            dt, out = call(conn, "print('hello')", "hello\n", env)
            if "env_cold_start_ms" in out:
                cold.append((dt, out["env_cold_start_ms"]))
        conn.close()
    finally:
        c.shutdown()
        idx.stop()
    print(f"environments: one executor ({os.cpu_count()} slots), warm mode, end to end over HTTP and Kafka; "
          f"{blocks} alternating blocks per row pair")
    print(f"{'what':<48} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'exec/s':>8}")
    for what, lat, rate in rows:
        r = f"{rate:.1f}" if rate else ""
        print(f"{what:<48} {len(lat):>5} {pct(lat, .5):>8.1f} {pct(lat, .99):>8.1f} {r:>8}")
    print()
    for name in CODES:
        for conc in (1, 16):
            d = next(r for r in rows if r[0] == f"{name}, default, concurrency {conc}")
            e = next(r for r in rows if r[0] == f"{name}, env bench, concurrency {conc}")
            print(f"{name}, concurrency {conc}: env/default p50 {pct(e[1], .5) / pct(d[1], .5):.2f}x, "
                  f"exec/s {e[2] / d[2]:.2f}x")
    if cold:
        print(f"\ncold start of an environment's zygote (built already; imports numpy, pandas and its package): "
              f"{len(cold)} starts, env_cold_start_ms p50 {pct([c for _, c in cold], .5):.0f}, "
              f"max {max(c for _, c in cold):.0f}; the call end to end p50 {pct([d for d, _ in cold], .5):.0f} ms")
    else:
        print("\nno cold start seen (every zygote stayed up?)")


if __name__ == "__main__":
    main()
