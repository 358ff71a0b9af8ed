"""Sessions (docs/api.md, Sessions), from outside, on one stack (a broker,
one warm executor with 2 job slots and 60 session slots, the API) on this
machine. Prints a table; asserts nothing (docs/performance.md quotes it).

- exec vs job: SESS_N (default 200) sync calls of print('hello') at
  concurrency 1, one-shot (POST /v1/exec-python) and as an exec of one
  session, interleaved: p50 and p99 of each, end to end.
- state: 100 execs in one session, each adding to a counter, a DataFrame
  and an open file; whether all three hold 100 at the end.
- fork: FORK_N (default 10) forks of a session that holds a 200 MB
  DataFrame (numpy float64, 26.2 M cells), timed by the client (POST
  /v1/sessions/{id}/fork to its 201), each fork checked and ended.
- idle sessions: one-shot print('hello') p50 (SESS_N calls) with no session
  open, then with IDLE_N (default 50) idle sessions open (each having
  imported pandas and made a small DataFrame): the ratio.

Run by `make bench`, or alone: python3 tests/bench/sessions.py."""
import http.client
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import TOP, rss_mib  # noqa: E402


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        self.conn.request(method, path, json.dumps(body) if body is not None else None,
                          {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed(c, method, path, body=None, want=200):
    t0 = time.perf_counter()
    status, out = c.call(method, path, body)
    ms = (time.perf_counter() - t0) * 1000
    assert status == want, (method, path, status, out)
    return ms, out


def session(c, **kw):
    _, s = timed(c, "POST", "/v1/sessions", kw, 201)
    return s["session_id"]


def main():
    n = int(os.environ.get("SESS_N", "200"))
    forks = int(os.environ.get("FORK_N", "10"))
    idle_n = int(os.environ.get("IDLE_N", "50"))
    cl = Cluster()
    rows = []
    try:
        cl.start_kafka()
        cl.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm", "--slots=2",
                              "--session-slots=60", "--session-memory-mb=6144"])
        cl.start_api(extra=("--account-requests-per-s=0", f"--session-max-open={idle_n + 10}"))
        time.sleep(2)
        c = Client(cl.api_port)
        hello = {"code": "print('hello')"}
        for _ in range(10):   # warm up both paths
            timed(c, "POST", "/v1/exec-python", hello)

        # exec vs job, interleaved
        sid = session(c)
        timed(c, "POST", f"/v1/sessions/{sid}/exec", hello)
        job, ex = [], []
        for _ in range(n):
            job.append(timed(c, "POST", "/v1/exec-python", hello)[0])
            ex.append(timed(c, "POST", f"/v1/sessions/{sid}/exec", hello)[0])
        rows.append(("one-shot print('hello'), concurrency 1", f"p50 {pct(job, 50):.1f} ms",
                     f"p99 {pct(job, 99):.1f} ms"))
        rows.append(("session exec print('hello'), concurrency 1", f"p50 {pct(ex, 50):.1f} ms",
                     f"p99 {pct(ex, 99):.1f} ms"))
        rows.append(("  session exec / one-shot (p50)", f"{pct(ex, 50) / pct(job, 50):.2f}x", ""))

        # 100 execs keep their state
        timed(c, "POST", f"/v1/sessions/{sid}/exec",
              {"code": "import pandas as pd\nn = 0\ndf = pd.DataFrame({'a': []})\nf = open('/dev/null', 'w')\nw = 0"})
        t = []
        for _ in range(100):
            t.append(timed(c, "POST", f"/v1/sessions/{sid}/exec",
                           {"code": "n += 1\ndf.loc[len(df)] = n\nw += f.write('x' * 10) // 10"})[0])
        _, out = timed(c, "POST", f"/v1/sessions/{sid}/exec", {"code": "print(n, len(df), w, int(df.a.sum()))"})
        kept = out["stdout"] == f"100 100 100 {sum(range(1, 101))}\n"
        rows.append(("100 execs: counter, DataFrame, open file kept", "yes" if kept else f"NO: {out['stdout']!r}",
                     f"p50 {pct(t, 50):.1f} ms"))
        timed(c, "DELETE", f"/v1/sessions/{sid}")

        # fork of a session holding 200 MB
        big = session(c, memory_mb=1024)
        timed(c, "POST", f"/v1/sessions/{big}/exec",
              {"code": "import numpy as np, pandas as pd\ndf = pd.DataFrame(np.ones((3_276_800, 8)))\n"
                       "print(df.memory_usage().sum() >> 20)", "timeout": 30})
        ft = []
        for i in range(forks):
            ms, f = timed(c, "POST", f"/v1/sessions/{big}/fork", None, 201)
            ft.append(ms)
            _, out = timed(c, "POST", f"/v1/sessions/{f['session_id']}/exec",
                           {"code": f"df.iloc[0, 0] = {i}\nprint(int(df.iloc[0, 0]), df.shape)"})
            assert out["stdout"] == f"{i} (3276800, 8)\n", out
            timed(c, "DELETE", f"/v1/sessions/{f['session_id']}")
        _, out = timed(c, "POST", f"/v1/sessions/{big}/exec", {"code": "print(int(df.iloc[0, 0]))"})
        rows.append(("fork of a session holding a 200 MB DataFrame (client)", f"p50 {pct(ft, 50):.1f} ms",
                     f"max {max(ft):.1f} ms; parent unchanged: {out['stdout'].strip() == '1'}"))
        timed(c, "DELETE", f"/v1/sessions/{big}")
        time.sleep(1)

        # one-shot traffic with idle sessions open
        base = [timed(c, "POST", "/v1/exec-python", hello)[0] for _ in range(n)]
        idle = []
        for _ in range(idle_n):
            s = session(c, memory_mb=64)
            timed(c, "POST", f"/v1/sessions/{s}/exec", {"code": "import pandas as pd\ndf = pd.DataFrame({'a': [1]})"})
            idle.append(s)
        time.sleep(1)
        loaded = [timed(c, "POST", "/v1/exec-python", hello)[0] for _ in range(n)]
        rows.append((f"one-shot p50, no session open", f"p50 {pct(base, 50):.1f} ms", f"p99 {pct(base, 99):.1f} ms"))
        rows.append((f"one-shot p50, {idle_n} idle sessions open", f"p50 {pct(loaded, 50):.1f} ms",
                     f"p99 {pct(loaded, 99):.1f} ms; {pct(loaded, 50) / pct(base, 50):.2f}x"))
        rss = rss_mib(cl.procs["executor"].pid)
        rows.append((f"  executor resident memory with {idle_n} sessions", f"{rss:.1f} MiB", ""))
        for s in idle:
            c.call("DELETE", f"/v1/sessions/{s}")
    finally:
        cl.shutdown()
    width = max(len(r[0]) for r in rows)
    print(f"\nSessions (tests/bench/sessions.py), one run, warm mode, {os.cpu_count()} CPUs")
    for r in rows:
        print(f"  {r[0]:<{width}}  {r[1]:<14} {r[2]}")


if __name__ == "__main__":
    main()
