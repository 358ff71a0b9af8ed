"""Hostile jobs with scratch space (issue 14): a writable /tmp is the one
thing a job without it lacks, so each way of abusing it gets a job here,
with the host checked after each as in test_hostile.py. Scratch is capped by
its size and by the job's memory limit, output names cannot escape, the host
side reads nothing but the job's own regular files, and nothing one job
writes is seen by another."""
import concurrent.futures

from conftest import result_files as files_of
from test_hostile import check_host, snapshot, sandbox_in_place, host   # noqa: F401 (fixtures)

# Writes 1 MiB files into /tmp until something refuses; prints how many.
FILL = ("n = 0\n"
        "try:\n"
        "    while True:\n"
        "        with open(f'/tmp/fill{n}', 'wb') as f:\n"
        "            f.write(b'x' * (1 << 20))\n"
        "        n += 1\n"
        "except OSError as e:\n"
        "    print('SAFE', e.strerror, n)\n")


def test_scratch_fill_stops_at_its_size(cluster, api, sandbox_in_place):
    before = snapshot()
    status, body = api.run(FILL + "import os\nst = os.statvfs('/tmp'); print('size', st.f_blocks * st.f_frsize >> 20)\n",
                           scratch_mb=8, memory_mb=256)
    assert status == 200 and body["exit_code"] == 0, body
    lines = body["stdout"].splitlines()
    assert lines[0].startswith("SAFE No space left on device") and int(lines[0].split()[-1]) <= 8, lines
    assert lines[1] == "size 8"
    check_host(cluster, api, before)


def test_scratch_cannot_outgrow_the_memory_limit(cluster, api, sandbox_in_place):
    """512 MiB of scratch in a 64 MiB job: tmpfs pages are the job's memory,
    so filling it ends in the memory limit (or a failed write), never on the
    host's disk or memory."""
    before = snapshot()
    status, body = api.run(FILL, scratch_mb=512, memory_mb=64)
    assert status == 200, body
    if body["memory_exceeded"]:
        assert body["exit_code"] == -9, body
    else:
        assert body["stdout"].startswith("SAFE") and int(body["stdout"].split()[-1]) < 64, body
    assert body["peak_memory_kb"] <= 64 * 1024 + 1024, body
    check_host(cluster, api, before)


def test_sparse_files_and_file_floods_are_capped(cluster, api, sandbox_in_place):
    """A 10 GB sparse file is refused (RLIMIT_FSIZE is the scratch size);
    100,000 tiny files stop at the inode cap; only 64 files come back."""
    before = snapshot()
    status, body = api.run(
        "import os\n"
        "try:\n"
        "    with open('/tmp/out/sparse', 'wb') as f:\n"
        "        f.truncate(10 << 30)\n"
        "    print('LEAK sparse', os.stat('/tmp/out/sparse').st_size)\n"
        "except OSError as e:\n"
        "    print('SAFE sparse', e.strerror)\n"
        "n = 0\n"
        "try:\n"
        "    for n in range(100000):\n"
        "        open(f'/tmp/out/f{n:06d}', 'w').close()\n"
        "    print('LEAK files', n)\n"
        "except OSError as e:\n"
        "    print('SAFE files', e.strerror, n)\n",
        scratch_mb=4, timeout=30)
    assert status == 200 and body["exit_code"] == 0, body
    lines = body["stdout"].splitlines()
    assert lines[0] == "SAFE sparse File too large", lines
    assert lines[1].startswith("SAFE files No space left on device"), lines
    assert len(body["files"]) == 64 and body["files_truncated"] is True
    assert all(f["size"] == 0 for f in body["files"])
    check_host(cluster, api, before)


def test_output_names_cannot_escape(cluster, api, sandbox_in_place):
    """Links out of /tmp/out (to files, to directories, to the job's /proc),
    a FIFO, a socket, a hard link across filesystems, and /tmp/out itself
    swapped for a link: the host follows none of them and returns only the
    job's own regular files."""
    before = snapshot()
    host_passwd = open("/etc/passwd", "rb").read()
    status, body = api.run(
        "import os, socket\n"
        "os.symlink('/etc/passwd', '/tmp/out/passwd')\n"
        "os.symlink('/proc/self/environ', '/tmp/out/environ')\n"
        "os.symlink('/', '/tmp/out/root')\n"
        "os.symlink('../../../../../../etc/passwd', '/tmp/out/up')\n"
        "for what, f in (('fifo', lambda: os.mkfifo('/tmp/out/fifo')),\n"
        "                ('hardlink', lambda: os.link('/usr/bin/python3', '/tmp/out/py'))):\n"
        "    try:\n        f(); print('made', what)\n"
        "    except OSError as e:\n        print('SAFE', what, e.strerror)\n"
        "s = socket.socket(socket.AF_UNIX); s.bind('/tmp/out/sock')\n"
        "open('/tmp/out/real.txt', 'w').write('mine')\n"
        "os.mkdir('/tmp/x'); open('/tmp/x/inner', 'w').write('moved')\n"
        "os.rename('/tmp/out', '/tmp/old'); os.symlink('/usr', '/tmp/out')\n",
        scratch_mb=4)
    assert status == 200 and body["exit_code"] == 0, body
    assert "SAFE hardlink" in body["stdout"] and "SAFE fifo" in body["stdout"], body["stdout"]
    # /tmp/out is a link to /usr now: nothing is returned, /usr is never read
    assert files_of(body) == {}, [f["name"] for f in body.get("files", [])]
    status, body = api.run(
        "import os\n"
        "os.symlink('/etc/passwd', '/tmp/out/passwd')\n"
        "os.symlink('/', '/tmp/out/root')\n"
        "open('/tmp/out/real.txt', 'w').write('mine')\n", scratch_mb=4)
    assert status == 200 and files_of(body) == {"real.txt": b"mine"}, body
    for f in files_of(body).values():
        assert f != host_passwd
    check_host(cluster, api, before)


def test_nothing_one_job_writes_is_seen_by_another(cluster, api, sandbox_in_place):
    """Two jobs with scratch at once, and one after: each sees only its own
    files."""
    before = snapshot()
    code = ("import os, sys, time\n"
            "me = sys.stdin.read()\n"
            "open(f'/tmp/{me}', 'w').write(me); open(f'/tmp/out/{me}', 'w').write(me)\n"
            "time.sleep(1.0)\n"
            "print(sorted(os.listdir('/tmp')), sorted(os.listdir('/tmp/out')))\n")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futs = [pool.submit(api.run, code, stdin=name, scratch_mb=2) for name in ("alpha", "beta")]
        got = [f.result() for f in futs]
    for (status, body), name in zip(got, ("alpha", "beta")):
        assert status == 200 and body["stdout"] == f"['{name}', 'out'] ['{name}']\n", body
        assert files_of(body) == {name: name.encode()}
    status, body = api.run("import os\nprint(sorted(os.listdir('/tmp')), os.listdir('/tmp/out'))\n", scratch_mb=2)
    assert status == 200 and body["stdout"] == "['out'] []\n", body
    check_host(cluster, api, before)
