"""Webhooks (issue 30) from outside, on one stack (a broker, one warm
executor with 4 slots, the API, one execq-hooks) on this machine, with a
receiver on loopback (tests/webhook_receiver.py) that answers 200 at once.
Prints a table; asserts nothing but that every event arrived once
(docs/performance.md and docs/webhooks.md quote it).

Sync calls of `print(1)` from 2 threads over kept-alive connections, p50 and
p99: alone; beside a batch of HOOKS_N (default 1000) jobs without
callbacks; beside the same batch with a callback for every job and the
batch's end. The last two differ only by the callbacks: their p99 ratio is
the webhooks' cost to sync traffic. Also: how long until the last callback
arrived after the batch's last job ended, the deliveries per second, and
how fast a backlog (the batch ended while execq-hooks was stopped) drains.

/usr/bin/python3 tests/bench/webhooks.py"""
import http.client
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import HEADERS, TOP, one, pct  # noqa: E402
from webhook_receiver import Receiver  # noqa: E402

CODE = "print(1)"


def sync_load(port, stop, out, lock, cap=600):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    mine = []
    while not stop.is_set() and len(mine) < cap:
        mine.append(one(conn, CODE, "1\n")[0])
    conn.close()
    with lock:
        out.extend(mine)


def with_sync(port, work):
    """Runs work() while 2 threads make sync calls; returns (latencies, work's value)."""
    stop, lock, lat = threading.Event(), threading.Lock(), []
    threads = [threading.Thread(target=sync_load, args=(port, stop, lat, lock)) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        value = work()
    finally:
        stop.set()
        for t in threads:
            t.join()
    return lat, value


def batch(port, n, callback=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = {"jobs": [{"code": f"print({i})"} for i in range(n)]}
    if callback:
        body.update(callback_url=callback, callback_events=["job.completed", "batch.completed"])
    conn.request("POST", "/v1/batches", json.dumps(body), HEADERS)
    r = conn.getresponse()
    b = json.loads(r.read())
    assert r.status == 202, b
    while True:
        conn.request("GET", f"/v1/batches/{b['batch_id']}?wait=30&limit=1", headers=HEADERS)
        page = json.loads(conn.getresponse().read())
        if page["completed"]:
            break
    conn.close()
    return b["batch_id"], time.time()


def main():
    n = int(os.environ.get("HOOKS_N", "1000"))
    c = Cluster()
    rec = Receiver()
    rows = []
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm", "--slots=4"])
        c.start_api(extra=("--account-requests-per-s=0", "--account-max-queued=64"))
        c.start_hooks("hooks")
        time.sleep(2)
        conn = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=60)
        for _ in range(30):
            one(conn, CODE, "1\n")   # warm up
        conn.close()
        alone, _ = with_sync(c.api_port, lambda: time.sleep(8))
        plain, _ = with_sync(c.api_port, lambda: batch(c.api_port, n))

        def hooked():
            bid, ended = batch(c.api_port, n, rec.url + "/ok")
            assert rec.wait(lambda r: sum(1 for e in r.delivered.values() if e["data"].get("batch_id") == bid)
                            == n + 1, timeout=300), "not every callback arrived"
            return bid, ended, time.time()

        cb, (bid, ended, last) = with_sync(c.api_port, hooked)
        mine = [p for p in rec.posts if bid.encode() in p["body"]]
        first = min(p["t"] for p in mine)
        for name, lat in (("alone", alone), (f"beside a {n}-job batch, no callbacks", plain),
                          (f"beside a {n}-job batch, {n + 1} callbacks", cb)):
            rows.append((f"sync calls (2 threads) {name}",
                         f"n {len(lat)}, p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms"))
        rows.append(("p99 with callbacks / p99 without (the same batch)", f"{pct(cb, 0.99) / pct(plain, 0.99):.2f}"))
        rows.append((f"{n + 1} callbacks: first to last", f"{last - first:.1f} s, {len(mine) / (last - first):.0f} /s, "
                     f"{len(mine)} POSTs ({len(mine) - (n + 1)} repeated)"))
        rows.append(("last callback after the batch ended", f"{(last - ended) * 1000:.0f} ms"))
        # A backlog: the same batch ended while execq-hooks was stopped, then drained.
        c.stop("hooks")
        bid2, _ = batch(c.api_port, n, rec.url + "/ok")
        t0 = time.time()
        c.start_hooks("hooks")
        assert rec.wait(lambda r: sum(1 for e in r.delivered.values() if e["data"].get("batch_id") == bid2)
                        == n + 1, timeout=300), "the backlog was not drained"
        dt = time.time() - t0
        rows.append((f"a backlog of {n + 1} drained (one destination, 4 at once)",
                     f"{dt:.1f} s from the daemon's start, {(n + 1) / dt:.0f} /s"))
    finally:
        c.shutdown()
        rec.stop()
    w = max(len(r[0]) for r in rows)
    print("\nwebhooks (tests/bench/webhooks.py)")
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")


if __name__ == "__main__":
    main()
