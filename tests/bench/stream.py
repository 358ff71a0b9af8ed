"""Streamed sync calls (docs/api.md, Streaming), from outside, on one stack
(a broker, one warm executor, the API) on this machine. Prints a table;
asserts nothing (docs/performance.md quotes it).

- first chunk: STREAM_N (default 200) calls of a job that prints the time
  and then sleeps 0.2 s; how long after the print its stdout event reached
  the client (the job's wall clock against ours: one host).
- a 30 s job that prints once a second (STREAM_LONG_S to shorten): events
  received and the gaps between them.
- cancel: STREAM_CANCELS (default 20) streamed jobs that print and sleep,
  each cancelled (POST /v1/jobs/{id}/cancel) once its first line arrives:
  how long until its result (cancelled) reaches the stream.
- follow: FOLLOW_N (default 50) async jobs with "stream": true that print
  the time and sleep 0.3 s, each followed (GET /v1/jobs/{id}/events) from
  its submission: how long after the print its stdout event reached the
  follower (executor -> output topic -> the API's store consumer -> the
  store -> the follow thread); and the same jobs followed again once
  ended: time to the whole stream.
- STREAM_CONCURRENT (default 200) streams at once (the executor has 40
  slots, 128 MiB each, for jobs that mostly sleep), each printing 20 lines
  over 2 s: lines received against lines printed, events per stream, and
  the API's resident memory before and at its peak.

Streams are read with sseclient-py (pinned by the Makefile, .run/pylib)."""
import http.client
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import TOP, rss_mib  # noqa: E402

sys.path.insert(0, os.path.join(TOP, ".run", "pylib"))
from sseclient import SSEClient  # noqa: E402


def events(port, method, path, body=None, timeout=50):
    """One request answered with events; returns [(arrival wall time, event, data)]."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"})
    resp = conn.getresponse()
    out = []
    if resp.status != 200:
        print(f"{method} {path}: HTTP {resp.status}: {resp.read()[:200]!r}", file=sys.stderr)
    else:
        for ev in SSEClient(resp).events():
            out.append((time.time(), ev.event, json.loads(ev.data)))
    conn.close()
    return out


def stream(port, code, timeout=20):
    """Runs code streamed (POST /v1/exec-python, "stream": true)."""
    return events(port, "POST", "/v1/exec-python", {"code": code, "stream": True, "timeout": timeout}, timeout + 30)


def follow(port, jid):
    """Follows job jid (GET /v1/jobs/{id}/events)."""
    return events(port, "GET", f"/v1/jobs/{jid}/events", timeout=60)


def submit(port, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/v1/jobs", json.dumps(body),
                 {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"})
    doc = json.loads(conn.getresponse().read())
    conn.close()
    return doc["job_id"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main():
    n = int(os.environ.get("STREAM_N", "200"))
    long_s = int(os.environ.get("STREAM_LONG_S", "30"))
    conc = int(os.environ.get("STREAM_CONCURRENT", "200"))
    c = Cluster()
    rows = []
    try:
        c.start_kafka()
        # 40 slots (jobs that mostly sleep; 128 MiB each): 200 streams of 2 s
        # each are done in seconds rather than queued past their timeout.
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm", "--slots=40",
                             "--max-memory-mb=128", "--memory-mb=128"])
        c.start_api(extra=("--max-connections-per-address=0", "--account-max-sync=0", "--account-requests-per-s=0",
                           "--max-timeout-ms=60000"))
        api = c.procs["api"].pid
        time.sleep(2)
        stream(c.api_port, "print(1)")   # warm up

        lat = []
        for _ in range(n):
            evs = stream(c.api_port, "import time\nprint(repr(time.time()), flush=True)\ntime.sleep(0.2)\n")
            first = next(((t, d) for t, e, d in evs if e == "stdout" and d["offset"] == 0), None)
            if first:
                lat.append((first[0] - float(first[1]["text"].strip())) * 1000)
        rows.append(("first stdout chunk after the print, ms", f"p50 {statistics.median(lat):.1f}, "
                     f"p99 {pct(lat, 0.99):.1f}, max {max(lat):.1f} ({len(lat)} of {n} calls)"))

        evs = stream(c.api_port, f"import time\nfor i in range({long_s}):\n    print(i, flush=True)\n"
                     f"    time.sleep(1)\n", timeout=long_s + 5)
        times = [t for t, e, _ in evs if e == "stdout"]
        gaps = [b - a for a, b in zip(times, times[1:])]
        rows.append((f"a {long_s} s job printing once a second",
                     f"{len(times)} stdout events; gaps p50 {statistics.median(gaps):.3f} s, "
                     f"min {min(gaps):.3f}, max {max(gaps):.3f}; ends with {evs[-1][1]}"))

        # Cancel: a streamed job that printed and sleeps; POST cancel on
        # another connection; how long until its result event arrives.
        cancel_ms = []
        for _ in range(int(os.environ.get("STREAM_CANCELS", "20"))):
            conn = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=60)
            conn.request("POST", "/v1/exec-python",
                         json.dumps({"code": "import time\nprint('up', flush=True)\ntime.sleep(30)\n",
                                     "stream": True, "timeout": 30}),
                         {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"})
            resp = conn.getresponse()
            jid = resp.getheader("X-Job-Id")
            t0 = None
            for ev in SSEClient(resp).events():
                if ev.event == "stdout" and t0 is None:
                    other = http.client.HTTPConnection("127.0.0.1", c.api_port, timeout=30)
                    t0 = time.time()
                    other.request("POST", f"/v1/jobs/{jid}/cancel", headers={"Authorization": "Bearer demo_key_slopshop"})
                    other.getresponse().read()
                    other.close()
                elif ev.event in ("result", "error"):
                    if t0 is not None and json.loads(ev.data).get("cancelled"):
                        cancel_ms.append((time.time() - t0) * 1000)
                    break
            conn.close()
        rows.append(("cancel of a running job to its result, ms",
                     f"p50 {statistics.median(cancel_ms):.1f}, max {max(cancel_ms):.1f} ({len(cancel_ms)} cancels)"
                     if cancel_ms else "none measured"))

        # Followed async jobs: from the store, on the API that serves the GET.
        flat, ended_ms, ids = [], [], []
        for _ in range(int(os.environ.get("FOLLOW_N", "50"))):
            jid = submit(c.api_port, {"code": "import time\nprint(repr(time.time()), flush=True)\ntime.sleep(0.3)\n",
                                      "stream": True, "timeout": 10})
            ids.append(jid)
            evs = follow(c.api_port, jid)
            first = next(((t, d) for t, e, d in evs if e == "stdout" and d["offset"] == 0), None)
            if first and evs[-1][1] == "result":
                flat.append((first[0] - float(first[1]["text"].strip())) * 1000)
        for jid in ids:
            t0 = time.time()
            evs = follow(c.api_port, jid)
            if evs and evs[-1][1] == "result":
                ended_ms.append((time.time() - t0) * 1000)
        rows.append(("followed async job: stdout event after the print, ms",
                     f"p50 {statistics.median(flat):.1f}, p99 {pct(flat, 0.99):.1f}, max {max(flat):.1f} "
                     f"({len(flat)} of {len(ids)} jobs)" if flat else "none measured"))
        rows.append(("an ended job followed: the whole stream, ms",
                     f"p50 {statistics.median(ended_ms):.1f}, max {max(ended_ms):.1f} ({len(ended_ms)} jobs)"
                     if ended_ms else "none measured"))

        base = rss_mib(api)
        peak = [base]
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], rss_mib(api))
                time.sleep(0.05)

        results = [None] * conc

        def one(i):
            results[i] = stream(c.api_port, "import time\nfor i in range(20):\n    print('line', i, flush=True)\n"
                                            "    time.sleep(0.1)\n", timeout=30)

        w = threading.Thread(target=watch)
        w.start()
        t0 = time.time()
        ts = [threading.Thread(target=one, args=(i,)) for i in range(conc)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        took = time.time() - t0
        done.set()
        w.join()
        ok = sum(1 for r in results if r and r[-1][1] == "result")
        lines = 0
        exact = 0
        per_stream = []
        for r in results:
            if not r or r[-1][1] != "result":
                continue
            text = "".join(d.get("text", "") for _, e, d in r if e == "stdout")
            lines += text.count("\n")
            exact += text == r[-1][2]["stdout"]
            per_stream.append(sum(1 for _, e, _ in r if e == "stdout"))
        rows.append((f"{conc} streams at once, 20 lines each over 2 s",
                     f"{ok} ended with their result, {exact} with every byte streamed; {lines} of {20 * conc} lines; "
                     f"stdout events per stream p50 {statistics.median(per_stream) if per_stream else 0}; "
                     f"all done in {took:.1f} s"))
        rows.append(("API resident memory, MiB", f"{base:.1f} before, {peak[0]:.1f} at the peak of the {conc} streams"))
    finally:
        c.shutdown()
    print("Streamed and followed jobs (one warm executor, 40 slots; the broker, the API and the clients on this host)")
    for k, v in rows:
        print(f"  {k:<56} {v}")


if __name__ == "__main__":
    main()
