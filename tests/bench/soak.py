"""Soak: the store stays bounded. Runs sync jobs without pause for a while
against an API with a short retention (--retention-s, default here 30 s)
and prints the store's size on disk (database + WAL) as it goes: it grows
until retention starts deleting, then stays flat. Also prints the bytes a
finished job costs while it is kept, and so the store's size per million
jobs kept. Asserts nothing."""
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import HEADERS, TOP  # noqa: E402


def size(path):
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def main():
    retention = int(os.environ.get("SOAK_RETENTION_S", "30"))
    duration = int(os.environ.get("SOAK_SECONDS", "120"))
    c = Cluster()
    done = [0]
    stop = threading.Event()
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm"])
        c.start_api(extra=(f"--retention-s={retention}",))
        db = c.env["EXECQ_DB_PATH"]
        time.sleep(2)

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=60)
            while not stop.is_set():
                conn.request("POST", "/v1/exec-python", json.dumps({"code": "print('soak')"}), HEADERS)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    done[0] += 1
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        t0 = time.time()
        rows = []
        while time.time() - t0 < duration:
            time.sleep(5)
            rows.append((time.time() - t0, done[0], size(db)))
        stop.set()
        for t in threads:
            t.join()
    finally:
        c.shutdown()
    print(f"soak: sync print() jobs at 8 concurrent calls, --retention-s={retention}, {duration} s")
    print(f"{'t s':>6} {'jobs':>8} {'store MiB':>10}")
    for t, n, b in rows:
        print(f"{t:>6.0f} {n:>8} {b / 2**20:>10.2f}")
    # Bytes per kept job: growth over the first retention period, when nothing is deleted yet.
    early = [r for r in rows if r[0] <= retention]
    if len(early) >= 2 and early[-1][1] > early[0][1]:
        per_job = (early[-1][2] - early[0][2]) / (early[-1][1] - early[0][1])
        print(f"{per_job:.0f} bytes per job kept: {per_job * 1e6 / 2**30:.2f} GiB per million jobs kept")
    late = [r[2] for r in rows if r[0] > 2 * retention]
    if late:
        print(f"after 2 x retention: store between {min(late) / 2**20:.2f} and {max(late) / 2**20:.2f} MiB "
              f"while {rows[-1][1]} jobs ran in all")


if __name__ == "__main__":
    main()
