"""The SDKs' cost over plain HTTP (issue 29), from outside, on one stack (a
broker, one warm executor with 4 slots, the API) on this machine. Prints a
table; asserts nothing (docs/performance.md quotes it).

- SDK_N (default 200) sequential sync calls of `print(1)`: over one kept-alive
  http.client connection (the floor), the Python Client, the Python
  AsyncClient, the TypeScript Client (node): median and p99 per call, and
  each one's median over the floor's.
- SDK_BATCH (default 1000) jobs of `print(i)`: one POST /v1/batches and
  GET ?wait=30 until it completes over http.client, then run_batch of the
  Python and the TypeScript clients (pages of 500, results as they complete):
  the wall time from the first request to the last result.

Run with the SDK's virtual environment (make bench does):
.run/sdk-venv/bin/python tests/bench/sdk.py"""
import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import HEADERS, TOP, one, pct  # noqa: E402

import execq  # noqa: E402  (clients/python, installed in .run/sdk-venv)

KEY = "demo_key_slopshop"
CODE = "print(1)"

NODE_BENCH = r"""
import { Client } from "%s";
const [url, n, batch] = process.argv.slice(1);
const c = new Client({ apiKey: "demo_key_slopshop", url });
await c.execPython("print(1)");
const lat = [];
for (let i = 0; i < Number(n); i++) {
  const t = performance.now();
  const r = await c.execPython("print(1)");
  lat.push(performance.now() - t);
  if (r.stdout !== "1\n") throw new Error(r.stdout);
}
const jobs = Array.from({ length: Number(batch) }, (_, i) => `print(${i})`);
const t0 = performance.now();
let got = 0;
for await (const item of c.runBatch(jobs)) got += item.result ? 1 : 0;
console.log(JSON.stringify({ lat, batch_ms: performance.now() - t0, got }));
"""


def raw_calls(port, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    lat = [one(conn, CODE, "1\n")[0] for _ in range(n)]   # bench.py's sync call: status, output, its time
    conn.close()
    return lat


def raw_batch(port, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("POST", "/v1/batches", json.dumps({"jobs": [{"code": f"print({i})"} for i in range(n)]}), HEADERS)
    bid = json.loads(conn.getresponse().read())["batch_id"]
    while True:
        conn.request("GET", f"/v1/batches/{bid}?wait=30&limit=1000", headers=HEADERS)
        page = json.loads(conn.getresponse().read())
        if page["completed"]:
            break
    ms = (time.perf_counter() - t0) * 1000
    conn.close()
    return ms


def sdk_calls(url, n):
    with execq.Client(KEY, url) as c:
        c.exec_python(CODE)
        lat = []
        for _ in range(n):
            t = time.perf_counter()
            assert c.exec_python(CODE).stdout == "1\n"
            lat.append((time.perf_counter() - t) * 1000)
        return lat


def async_calls(url, n):
    async def main():
        async with execq.AsyncClient(KEY, url) as c:
            await c.exec_python(CODE)
            lat = []
            for _ in range(n):
                t = time.perf_counter()
                assert (await c.exec_python(CODE)).stdout == "1\n"
                lat.append((time.perf_counter() - t) * 1000)
            return lat
    return asyncio.run(main())


def sdk_batch(url, n):
    with execq.Client(KEY, url) as c:
        t0 = time.perf_counter()
        got = sum(1 for item in c.run_batch([f"print({i})" for i in range(n)]) if item.result)
        assert got == n, got
        return (time.perf_counter() - t0) * 1000


def main():
    n = int(os.environ.get("SDK_N", "200"))
    batch = int(os.environ.get("SDK_BATCH", "1000"))
    c = Cluster()
    rows = []
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm", "--slots=4"])
        url = c.start_api(extra=("--account-requests-per-s=0",))
        time.sleep(2)
        raw_calls(c.api_port, 20)   # warm up
        floor = raw_calls(c.api_port, n)
        py = sdk_calls(url, n)
        pya = async_calls(url, n)
        dist = os.path.join(TOP, "clients", "typescript", "dist", "index.js")
        out = subprocess.run(["node", "--input-type=module", "-e", NODE_BENCH % dist, url, str(n), str(batch)],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
        ts = json.loads(out)
        m0 = statistics.median(floor)
        for name, lat in (("http.client, one connection", floor), ("Python Client", py), ("Python AsyncClient", pya),
                          ("TypeScript Client (node)", ts["lat"])):
            med = statistics.median(lat)
            rows.append((f"{n} sync calls: {name}", f"p50 {med:.1f} ms, p99 {pct(lat, 0.99):.1f} ms, "
                         f"p50 / floor {med / m0:.2f}"))
        raw = raw_batch(c.api_port, batch)
        pyb = sdk_batch(url, batch)
        rows.append((f"{batch} jobs: one batch over http.client", f"{raw / 1000:.1f} s"))
        rows.append((f"{batch} jobs: Python run_batch", f"{pyb / 1000:.1f} s ({pyb / raw:.2f} x)"))
        rows.append((f"{batch} jobs: TypeScript runBatch", f"{ts['batch_ms'] / 1000:.1f} s ({ts['batch_ms'] / raw:.2f} x),"
                     f" {ts['got']} results"))
    finally:
        c.shutdown()
    w = max(len(r[0]) for r in rows)
    print(f"\n{'SDKs (clients/), one warm executor with 4 slots':{w}}  figure")
    for k, v in rows:
        print(f"{k:{w}}  {v}")


if __name__ == "__main__":
    main()
