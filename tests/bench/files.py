"""What scratch space, input files and figures cost (issue 14), end to end
through HTTP and Kafka, in both sandbox modes, in one run: p50 and p99 at
concurrency 1 of a plain job (its sandbox built ahead), the same job with
scratch_mb or an input file (a sandbox built for it when it arrives), a
matplotlib figure without scratch, and a CSV plus a chart with both; and the
launcher's memory (the zygote, which now imports matplotlib ahead).

The table's "now-mpl" rows run this build with matplotlib left out of
--warm-imports. BENCH_BEFORE=DIR also runs another build's binaries for the plain job (the
build before matplotlib joined the zygote), so the table shows what the
change costs jobs that use none of it. Prints a table; asserts nothing."""
import http.client
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import conftest  # noqa: E402
from bench import rss_mib  # noqa: E402

os.environ.setdefault("EXECQ_ACCOUNT_REQUESTS_PER_S", "0")
HEADERS = {"Authorization": "Bearer demo_key_slopshop", "Content-Type": "application/json"}
CSV = "item,units,price\n" + "".join(f"i{i},{i % 7},{i % 5 + 0.5}\n" for i in range(1000))
JOBS = {
    "plain print('hello')": {"code": "print('hello')"},
    "scratch_mb 16, print('hello')": {"code": "print('hello')", "scratch_mb": 16},
    "one 40 KB input file, read it": {"code": "print(len(open('/input/a.csv').read()))",
                                      "files": [{"name": "a.csv", "content": CSV}]},
    "a figure, no scratch": {"code": "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.show()"},
    "CSV in, CSV and chart out": {
        "code": "import pandas as pd, matplotlib.pyplot as plt\n"
                "df = pd.read_csv('/input/a.csv'); df['t'] = df.units * df.price\n"
                "df.to_csv('/tmp/out/t.csv', index=False)\n"
                "df.groupby('units').t.sum().plot.bar(); plt.show()\n",
        "scratch_mb": 16, "files": [{"name": "a.csv", "content": CSV}]},
}


def default_warm_imports():
    """SBX_WARM_IMPORTS_DEFAULT, as common/cfg.h spells it."""
    text = open(os.path.join(conftest.TOP, "common", "cfg.h")).read()
    macro = text.split("#define SBX_WARM_IMPORTS_DEFAULT", 1)[1].split("\n\n", 1)[0]
    return "".join(re.findall(r'"([^"]*)"', macro))


NO_MPL = ",".join(m for m in default_warm_imports().split(",") if not m.startswith("matplotlib"))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def run(port, body, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("POST", "/v1/exec-python", json.dumps(body), HEADERS)
        r = conn.getresponse()
        got = json.loads(r.read())
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200 and got["exit_code"] == 0, got
    conn.close()
    return lat


def launcher_rss_mib(executor_pid):
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and open(f"/proc/{pid}/stat").read().split(")")[1].split()[1] == str(executor_pid) \
                    and open(f"/proc/{pid}/comm").read().strip() == "execq-launcher":
                return rss_mib(pid)
        except OSError:
            pass
    return float("nan")


def stack(build, mode, jobs, n, extra=()):
    conftest.BUILD = build
    c = conftest.Cluster()
    rows = []
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(build, "execq-executor"), f"--sandbox-mode={mode}", "--slots=1", *extra])
        c.start_api()
        time.sleep(2)
        rss = launcher_rss_mib(c.procs["executor"].pid)
        for name in jobs:
            run(c.api_port, JOBS[name], 5)   # warm-up
            rows.append((name, run(c.api_port, JOBS[name], n)))
    finally:
        c.shutdown()
    return rss, rows


def main():
    n = int(os.environ.get("BENCH_N", "60"))
    here = os.path.join(conftest.TOP, "build")
    before = os.environ.get("BENCH_BEFORE")
    table = []
    for mode in ("warm", "fresh"):
        if before:
            rss, rows = stack(before, mode, ["plain print('hello')"], n)
            table += [(mode, "before", name, lat, rss) for name, lat in rows]
        rss, rows = stack(here, mode, list(JOBS), n)
        table += [(mode, "now", name, lat, rss) for name, lat in rows]
        if mode == "warm":
            # the same build, its zygote without matplotlib: what importing it ahead costs
            rss, rows = stack(here, mode, ["plain print('hello')", "a figure, no scratch"], n,
                              [f"--warm-imports={NO_MPL}"])
            table += [(mode, "now-mpl", name, lat, rss) for name, lat in rows]
    print(f"end to end, one slot, concurrency 1, {n} jobs each; {os.cpu_count()} CPUs, broker on the same machine")
    print(f"{'mode':<6} {'build':<7} {'job':<32} {'p50 ms':>8} {'p99 ms':>8} {'launcher RSS MiB':>17}")
    for mode, build, name, lat, rss in table:
        print(f"{mode:<6} {build:<7} {name:<32} {statistics.median(lat):>8.1f} {pct(lat, .99):>8.1f} {rss:>17.1f}")


if __name__ == "__main__":
    main()
