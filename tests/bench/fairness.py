"""Fairness between tenants (issue 15): account B's small batch while
account A's large batch runs. Starts its own broker, two warm executors
(2 slots each) and the API; measures B's 10-job batch alone, then B's batch
submitted 1 s after A's 1,000-job batch; prints both, the ratio and B's
extra time in job-times (the target: a few). Also prints how long A's batch
took, to show fairness did not cost A throughput. Asserts nothing: these
machines are shared and noisy.
   EXECQ_TEST_BUILD=DIR runs another build's binaries (a before/after)."""
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import SANDBOX_UID_BASES, Cluster  # noqa: E402

os.environ.setdefault("EXECQ_ACCOUNT_REQUESTS_PER_S", "0")   # it polls; the rate limit is not what it measures
JOB_S = 0.2
CODE = f"import time\ntime.sleep({JOB_S})"


def call(port, method, path, body=None, key="demo_key_slopshop"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = {"Content-Type": "application/json"}
    if key:
        h["Authorization"] = f"Bearer {key}"
    conn.request(method, path, json.dumps(body) if body is not None else None, h)
    r = conn.getresponse()
    out = json.loads(r.read())
    conn.close()
    return r.status, out


def submit(port, key, n):
    status, b = call(port, "POST", "/v1/batches", {"jobs": [{"code": CODE} for _ in range(n)]}, key)
    assert status == 202, b
    return b["batch_id"]


def wait_batch(port, key, batch, t0):
    while True:
        status, b = call(port, "GET", f"/v1/batches/{batch}?wait=30&limit=1", key=key)
        assert status == 200, b
        if b["completed"]:
            return time.time() - t0


def main():
    n_a = int(os.environ.get("BENCH_BATCH", "1000"))
    c = Cluster()
    try:
        c.start_kafka()
        c.start_executor("executor-1", SANDBOX_UID_BASES[0])
        c.start_executor("executor-2", SANDBOX_UID_BASES[1])
        c.start_api()
        time.sleep(3)
        port = c.api_port
        status, b_acct = call(port, "POST", "/v1/signup", key=None)
        assert status == 201, b_acct
        key_b = b_acct["api_key"]
        submit(port, key_b, 4)   # warm-up
        time.sleep(3)
        t0 = time.time()
        alone = wait_batch(port, key_b, submit(port, key_b, 10), t0)
        t_a = time.time()
        batch_a = submit(port, "demo_key_slopshop", n_a)
        time.sleep(1)
        t_b = time.time()
        busy = wait_batch(port, key_b, submit(port, key_b, 10), t_b)
        a_took = wait_batch(port, "demo_key_slopshop", batch_a, t_a)
        slots = 4
        print(f"\nfairness: B's 10-job batch ({JOB_S} s jobs, 2 executors x 2 slots)")
        print(f"{'B alone':<34}{alone:8.2f} s")
        print(f"{'B beside A (' + str(n_a) + ' jobs, 1 s ahead)':<34}{busy:8.2f} s")
        print(f"{'ratio':<34}{busy / alone:8.1f} x")
        print(f"{'B extra time, in job-times':<34}{(busy - alone) / JOB_S:8.1f}")
        print(f"{'A took (ideal ' + format(n_a * JOB_S / slots, '.0f') + ' s)':<34}{a_took:8.2f} s")
    finally:
        c.shutdown()


if __name__ == "__main__":
    main()
