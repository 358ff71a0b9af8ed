"""What jobs do, run under strace by scripts/trace-syscalls.sh to find the
system calls the seccomp allow-list (sandbox/filter.c) must let through.

Friendly code only: everything here is what a user's job may reasonably do
with the interpreter, its standard library, numpy and pandas. Each step is
independent; one that fails (as it would in the sandbox: no /tmp, no
network) is reported and the rest go on."""
import sys
import traceback

steps = []


def step(f):
    steps.append(f)
    return f


@step
def imports():
    import importlib
    import pkgutil
    skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3",
            "ensurepip", "venv", "pydoc_data", "webbrowser"}
    for m in sorted(sys.stdlib_module_names):
        if m in skip or m.startswith("_"):
            continue
        try:
            importlib.import_module(m)
        except Exception:
            pass
    for m in ("numpy", "pandas", "scipy", "dateutil", "pytz"):
        try:
            importlib.import_module(m)
        except Exception:
            pass
    list(pkgutil.iter_modules())


@step
def files_and_os():
    import os
    import stat
    os.listdir("/")
    list(os.scandir("/usr/lib"))
    os.stat("/usr"), os.lstat("/usr/bin/python3"), os.access("/usr", os.R_OK)
    os.getcwd(), os.uname(), os.getpid(), os.getppid(), os.getuid(), os.geteuid(), os.getgid()
    os.getegid(), os.getgroups(), os.getpgrp(), os.getsid(0), os.getloadavg(), os.cpu_count()
    os.sched_getaffinity(0), os.getpriority(os.PRIO_PROCESS, 0), os.times(), os.umask(0o22)
    os.readlink("/proc/self/exe"), os.path.realpath("/usr/bin/python3")
    with open("/proc/self/status") as f:
        f.read()
    with open("/proc/meminfo") as f:
        f.read()
    fd = os.open("/dev/null", os.O_WRONLY)
    os.write(fd, b"x"), os.fstat(fd), os.fsync(fd) if False else None
    os.dup(fd), os.dup2(fd, 100), os.close(100), os.close(fd)
    r, w = os.pipe()
    os.set_blocking(r, False), os.get_inheritable(r), os.set_inheritable(r, True)
    os.write(w, b"abc"), os.read(r, 3), os.close(r), os.close(w)
    with open("/usr/lib/os-release" if os.path.exists("/usr/lib/os-release") else "/dev/null", "rb") as f:
        f.seek(0, 2), f.tell(), f.seek(0), f.read(10)
    os.statvfs("/"), stat.filemode(0o755)
    import shutil
    shutil.disk_usage("/"), shutil.which("python3"), shutil.get_terminal_size()
    import glob
    glob.glob("/usr/lib/python3*/json/*.py")
    os.walk("/usr/lib/python3/dist-packages").__next__()
    try:
        os.mkdir("/nope")
    except OSError:
        pass
    try:
        open("/x", "w")
    except OSError:
        pass
    try:
        import tempfile
        tempfile.mkstemp()
    except Exception:
        pass
    os.environ.get("PATH"), os.get_terminal_size if False else None
    os.sysconf("SC_PAGE_SIZE"), os.confstr("CS_PATH"), os.urandom(16)
    import mmap
    m = mmap.mmap(-1, 1 << 20)
    m[0:4] = b"abcd"
    m.close()


@step
def time_and_signals():
    import signal
    import time
    import resource
    time.time(), time.monotonic(), time.perf_counter(), time.process_time(), time.thread_time()
    time.sleep(0.01), time.localtime(), time.strftime("%c"), time.clock_getres(time.CLOCK_MONOTONIC)
    resource.getrlimit(resource.RLIMIT_NOFILE), resource.getrusage(resource.RUSAGE_SELF)
    resource.setrlimit(resource.RLIMIT_CORE, resource.getrlimit(resource.RLIMIT_CORE))
    signal.signal(signal.SIGALRM, lambda *a: None)
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    signal.pause() if False else time.sleep(0.05)
    signal.alarm(0), signal.pthread_sigmask(signal.SIG_BLOCK, []), signal.sigpending()
    signal.raise_signal(signal.SIGALRM)
    signal.set_wakeup_fd(-1), signal.siginterrupt(signal.SIGALRM, True)
    import faulthandler
    faulthandler.enable(), faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    import datetime
    import zoneinfo
    datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris"))
    import locale
    locale.setlocale(locale.LC_ALL, ""), locale.getpreferredencoding()


@step
def threads_and_processes():
    import concurrent.futures
    import os
    import queue
    import subprocess
    import threading
    q = queue.Queue()
    t = [threading.Thread(target=q.put, args=(i,)) for i in range(4)]
    [x.start() for x in t], [x.join() for x in t]
    ev = threading.Event()
    ev.wait(0.01)
    lock = threading.Condition()
    with lock:
        lock.wait(0.01)
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(abs, range(100)))
    subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True)
    subprocess.run([sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read())"], input=b"x",
                   capture_output=True, timeout=10)
    try:
        subprocess.run("echo hi", shell=True, capture_output=True)
    except Exception:
        pass
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    os.waitpid(pid, 0)
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, pid, os.WEXITED)
    try:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        p = ctx.Process(target=abs, args=(1,))
        p.start(), p.join()
        with ctx.Pool(2) as pool:
            pool.map(abs, range(10))
    except Exception:
        pass
    try:
        os.kill(os.getpid(), 0), os.killpg(os.getpgrp(), 0)
    except OSError:
        pass
    try:
        os.posix_spawn(sys.executable, [sys.executable, "-c", "pass"], os.environ)
        os.wait()
    except Exception:
        pass


@step
def sockets():
    import asyncio
    import select
    import selectors
    import socket
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", 0))
        s.listen()
        c = socket.create_connection(s.getsockname(), timeout=2)
        a, _ = s.accept()
        c.sendall(b"hi"), a.recv(2), c.getpeername(), a.getsockname()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1), c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        c.shutdown(socket.SHUT_RDWR), c.close(), a.close()
    except OSError:
        pass
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", 0))
        u.sendto(b"x", u.getsockname()), u.recvfrom(1)
        u.sendmsg([b"x"], [], 0, u.getsockname()), u.recvmsg(1)
    except OSError:
        pass
    u.close()
    s6 = socket.socket(socket.AF_INET6)
    s6.close()
    x, y = socket.socketpair()
    x.send(b"1"), y.recv(1)
    socket.send_fds(x, [b"f"], [0]), socket.recv_fds(y, 1, 1)
    x.close(), y.close()
    socket.gethostname(), socket.if_nameindex()
    for name in ("localhost", "sandbox", "example.com"):
        try:
            socket.getaddrinfo(name, 80)
        except OSError:
            pass
    try:
        socket.create_connection(("10.255.255.1", 80), timeout=0.2)
    except OSError:
        pass
    r, w = socket.socketpair()
    select.select([r], [], [], 0)
    p = select.poll()
    p.register(r, select.POLLIN)
    p.poll(0)
    e = select.epoll()
    e.register(r, select.EPOLLIN)
    e.poll(0)
    e.close()
    selectors.DefaultSelector().select(0)

    async def main():
        await asyncio.sleep(0.01)
        srv = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        rd, wr = await asyncio.open_connection("127.0.0.1", port)
        wr.close()
        srv.close()
        await srv.wait_closed()
        await asyncio.to_thread(abs, 1)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
        await proc.wait()
    try:
        asyncio.run(main())
    except Exception:
        pass


@step
def libraries():
    import bz2
    import ctypes
    import ctypes.util
    import hashlib
    import json
    import lzma
    import sqlite3
    import ssl
    import zlib
    zlib.compress(b"x" * 1000), bz2.compress(b"x"), lzma.compress(b"x"), hashlib.sha256(b"x").hexdigest()
    json.dumps({"a": [1, 2]}), ssl.create_default_context()
    db = sqlite3.connect(":memory:")
    db.execute("create table t(a)"), db.executemany("insert into t values(?)", [(i,) for i in range(100)])
    db.execute("select sum(a) from t").fetchone()
    ctypes.CDLL(None).getpid(), ctypes.util.find_library("m")
    import uuid
    uuid.uuid4(), uuid.uuid1()
    import random
    import secrets
    random.random(), secrets.token_hex(8)
    import tracemalloc
    tracemalloc.start(), tracemalloc.stop()
    import gc
    gc.collect()
    import decimal
    import fractions
    import statistics
    statistics.mean([decimal.Decimal(1), decimal.Decimal(2)]), fractions.Fraction(1, 3)
    import getpass
    import pwd
    import grp
    pwd.getpwuid(0), grp.getgrgid(0), getpass.getuser()
    import platform
    platform.platform(), platform.libc_ver()
    import urllib.request
    try:
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=0.2)
    except Exception:
        pass
    import logging
    logging.basicConfig(), logging.warning("trace")
    import pickle
    pickle.loads(pickle.dumps(list(range(10))))


@step
def science():
    import numpy as np
    a = np.random.default_rng(1).random((300, 300))
    np.linalg.inv(a), a @ a, np.linalg.svd(a[:50, :50]), np.fft.fft(a[0]), np.sort(a, axis=None)
    np.save(sys.stdout.buffer if False else "/dev/null", a)
    import pandas as pd
    df = pd.DataFrame({"x": np.arange(1000) % 7, "y": np.arange(1000.0)})
    df.groupby("x").y.agg(["mean", "sum"]), df.describe(), df.to_csv(), df.to_json()
    pd.to_datetime(["2024-01-01"]).tz_localize("UTC").tz_convert("Asia/Tokyo")
    pd.read_csv(__import__("io").StringIO("a,b\n1,2\n")), df.pivot_table(index="x", values="y")
    pd.date_range("2024-01-01", periods=10, freq="D"), df.rolling(3).mean()
    big = np.ones(50_000_000 // 8)
    del big


def main():
    bad = 0
    for f in steps:
        try:
            f()
        except Exception:
            bad += 1
            print(f"step {f.__name__} failed:", file=sys.stderr)
            traceback.print_exc()
    print(f"{len(steps) - bad} of {len(steps)} steps ran", file=sys.stderr)


if __name__ == "__main__":
    main()
