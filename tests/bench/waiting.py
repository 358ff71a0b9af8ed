"""Memory of the API under many waiting calls: opens WAITING_N sync calls
at once (default 4,000; each a socket with its request sent), so they all
wait in the API while one executor works through them, reads every answer,
and does it WAITING_ROUNDS times (default 3) on the same API: a leak grows
from round to round, an allocator's or a cache's high-water mark does not.
Prints the API's resident memory at each step. Asserts nothing."""
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import TOP, rss_mib  # noqa: E402


def main():
    n = int(os.environ.get("WAITING_N", "4000"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    c = Cluster()
    try:
        c.start_kafka()
        c.start("executor", [os.path.join(TOP, "build", "execq-executor"), "--sandbox-mode=warm"])
        c.start_api(extra=("--max-pending=20000", "--max-connections-per-address=0", "--account-max-sync=0", "--max-timeout-ms=600000", "--sync-grace-ms=600000"))
        api = c.procs["api"].pid
        time.sleep(2)
        base = rss_mib(api)
        body = b'{"code": "print(1)", "timeout": 600}'
        req = (b"POST /v1/exec-python HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo_key_slopshop\r\n"
               b"Content-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        rows = []
        for rnd in range(int(os.environ.get("WAITING_ROUNDS", "3"))):
            rows.append(one_round(c, api, n, req))
            time.sleep(15)
            rows[-1]["15 s later"] = rss_mib(api)
    finally:
        c.shutdown()
    print(f"{n} sync calls waiting at once on one API, {len(rows)} rounds; API resident memory, MiB "
          f"(before the first round: {base:.1f})")
    print(f"{'round':<6} {'answered 200':>13} {'s':>5} {'peak':>8} {'all answered':>13} {'15 s later':>11}")
    for i, r in enumerate(rows):
        print(f"{i + 1:<6} {r['ok']:>13} {r['took']:>5.0f} {r['peak']:>8.1f} {r['after']:>13.1f} {r['15 s later']:>11.1f}")


def one_round(c, api, n, req):
    """Opens n calls, reads every answer. Returns counts and memory."""
    sel = selectors.DefaultSelector()
    t0 = time.time()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", c.api_port))
        s.sendall(req)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
    peak, left, ok = rss_mib(api), n, 0
    while left:
        for key, _ in sel.select(timeout=1):
            data = key.fileobj.recv(65536)
            if data:
                key.data.extend(data)
                continue
            ok += key.data.startswith(b"HTTP/1.1 200")
            sel.unregister(key.fileobj)
            key.fileobj.close()
            left -= 1
        peak = max(peak, rss_mib(api))
    return {"ok": ok, "took": time.time() - t0, "peak": peak, "after": rss_mib(api)}


if __name__ == "__main__":
    main()
