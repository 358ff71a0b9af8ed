"""Scratch space, input files, output files and figures (docs/api.md,
"Files and figures"), in whichever sandbox mode the session runs.

Without scratch_mb the filesystem stays read-only exactly as the seed
promises; with it, /tmp is the job's own tmpfs and what it leaves in /tmp/out
comes back; input files sit read-only under /input; matplotlib figures come
back as PNG images with or without scratch."""
import base64
import csv
import io
import json

import pytest

from conftest import result_files as files_of

PNG = b"\x89PNG\r\n\x1a\n"




def test_without_scratch_nothing_is_writable(api):
    """The seed's contract: no temporary directory, no writable path."""
    status, body = api.run(
        "import os, tempfile\n"
        "print(os.path.exists('/tmp'), os.path.exists('/input'), os.environ.get('HOME'))\n"
        "try:\n    tempfile.mkstemp()\nexcept (FileNotFoundError, OSError) as e:\n    print('no temp:', type(e).__name__)\n")
    assert status == 200, body
    assert body["stdout"].splitlines() == ["False False /", "no temp: FileNotFoundError"], body
    assert "files" not in body and "images" not in body


def test_scratch_gives_a_private_tmp_and_home(api):
    status, body = api.run(
        "import os, tempfile, pathlib\n"
        "fd, p = tempfile.mkstemp(); os.write(fd, b'x' * 1000); os.close(fd)\n"
        "pathlib.Path.home().joinpath('.cache').mkdir()\n"
        "print(os.path.dirname(p), os.environ['HOME'], os.environ['TMPDIR'], sorted(os.listdir('/tmp')) != [])\n"
        "st = os.statvfs('/tmp'); print(st.f_blocks * st.f_frsize // (1 << 20))\n"
        "try:\n    open('/etc/x', 'w')\nexcept OSError as e:\n    print('root', e.strerror)\n",
        scratch_mb=8)
    assert status == 200, body
    assert body["stdout"].splitlines() == ["/tmp /tmp /tmp True", "8", "root Read-only file system"], body


def test_output_files_come_back(api):
    """A CSV and a file in a subdirectory of /tmp/out, sorted by path;
    what is outside /tmp/out stays behind."""
    status, body = api.run(
        "import csv, os\n"
        "with open('/tmp/out/table.csv', 'w', newline='') as f:\n"
        "    w = csv.writer(f); w.writerow(['n', 'square']); w.writerows([i, i * i] for i in range(5))\n"
        "os.mkdir('/tmp/out/sub'); open('/tmp/out/sub/raw.bin', 'wb').write(bytes(range(256)))\n"
        "open('/tmp/out/empty', 'w').close()\n"
        "open('/tmp/not-returned', 'w').write('x')\n",
        scratch_mb=4)
    assert status == 200 and body["exit_code"] == 0, body
    assert [f["name"] for f in body["files"]] == ["empty", "sub/raw.bin", "table.csv"]
    got = files_of(body)
    assert list(csv.reader(io.StringIO(got["table.csv"].decode()))) == \
        [["n", "square"]] + [[str(i), str(i * i)] for i in range(5)]
    assert got["sub/raw.bin"] == bytes(range(256)) and got["empty"] == b""
    assert [f["size"] for f in body["files"]] == [0, 256, len(got["table.csv"])]
    assert body["files_truncated"] is False


def test_output_files_over_the_cap_are_left_out(api):
    """Files beyond the 4 MiB total are left out, files_truncated says so."""
    status, body = api.run(
        "for i in range(3):\n    open(f'/tmp/out/f{i}', 'wb').write(b'x' * (3 << 20))\n",
        scratch_mb=16, memory_mb=128)
    assert status == 200 and body["exit_code"] == 0, body
    assert [f["name"] for f in body["files"]] == ["f0"] and body["files_truncated"] is True


def test_input_files_are_read_only_under_input(api):
    status, body = api.run(
        "import os\n"
        "print(open('/input/data.csv').read(), end='')\n"
        "print(open('/input/dir/blob.bin', 'rb').read() == bytes(range(256)))\n"
        "for p in ('/input/data.csv', '/input/new'):\n"
        "    try:\n        open(p, 'a')\n    except OSError as e:\n        print(e.strerror)\n"
        "print(sorted(os.listdir('/input')), os.path.exists('/tmp'))\n",
        files=[{"name": "data.csv", "content": "a,b\n1,2\n"},
               {"name": "dir/blob.bin", "content": base64.b64encode(bytes(range(256))).decode(), "encoding": "base64"}])
    assert status == 200, body
    # the file itself is mode 0444 (EACCES comes first); nothing new can appear (EROFS)
    assert body["stdout"].splitlines() == ["a,b", "1,2", "True", "Permission denied", "Read-only file system",
                                           "['data.csv', 'dir'] False"], body


@pytest.mark.parametrize("files,code", [
    ([{"name": "../x", "content": ""}], "invalid_files"),
    ([{"name": "/etc/passwd", "content": ""}], "invalid_files"),
    ([{"name": "a/../../b", "content": ""}], "invalid_files"),
    ([{"name": "a//b", "content": ""}], "invalid_files"),
    ([{"name": ".", "content": ""}], "invalid_files"),
    ([{"name": "", "content": ""}], "invalid_files"),
    ([{"name": "a\nb", "content": ""}], "invalid_files"),
    ([{"name": "a\u007fb", "content": ""}], "invalid_files"),
    ([{"name": "x" * 256, "content": ""}], "invalid_files"),
    ([{"name": "a", "content": 5}], "invalid_files"),
    ([{"name": "a", "content": "!!", "encoding": "base64"}], "invalid_files"),
    ([{"name": "a", "content": "", "encoding": "latin-1"}], "invalid_files"),
    ([{"name": "a", "content": ""}, {"name": "a", "content": ""}], "invalid_files"),
    ([{"name": "a", "content": ""}, {"name": "a/b", "content": ""}], "invalid_files"),
    ({"name": "a"}, "invalid_files"),
    ([{"name": f"f{i}", "content": ""} for i in range(65)], "invalid_files"),
])
def test_bad_input_files_are_refused_and_cost_nothing(api, files, code):
    before = api.request("GET", "/v1/account")[1]["balance"]
    status, body = api.run("print(1)", files=files)
    assert status == 400 and body["error"]["code"] == code, body
    assert api.request("GET", "/v1/account")[1]["balance"] == before


@pytest.mark.parametrize("scratch", [-1, 1.5, "8", 513])
def test_bad_scratch_is_refused(api, scratch):
    status, body = api.run("print(1)", scratch_mb=scratch)
    assert status == 400 and body["error"]["code"] == "invalid_scratch", body


def test_a_figure_comes_back_without_scratch(api):
    """plt.show() displays a figure as a PNG, and a figure left open at the
    end is displayed too, without any writable path."""
    status, body = api.run(
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3], [1, 4, 9]); plt.title('shown'); plt.show()\n"
        "plt.figure(); plt.bar(['a', 'b'], [3, 5])\n"
        "print(plt.get_backend())\n")
    assert status == 200 and body["exit_code"] == 0, body
    assert body["stdout"] == "module://_execq_display\n", body["stderr"]
    assert [i["mime_type"] for i in body["images"]] == ["image/png", "image/png"]
    for i in body["images"]:
        data = base64.b64decode(i["content_base64"])
        assert data.startswith(PNG) and len(data) == i["size"] > 1000
    assert body["images_truncated"] is False and "files" not in body


def test_a_chart_and_a_csv_from_one_request(api):
    """The issue's 'done when': a chart and a CSV come back together, from
    an input file read under /input."""
    status, body = api.run(
        "import pandas as pd, matplotlib.pyplot as plt\n"
        "df = pd.read_csv('/input/sales.csv')\n"
        "df['total'] = df.units * df.price\n"
        "df.to_csv('/tmp/out/totals.csv', index=False)\n"
        "df.plot.bar(x='item', y='total'); plt.savefig('/tmp/out/chart.png'); plt.show()\n",
        scratch_mb=16, files=[{"name": "sales.csv", "content": "item,units,price\na,3,2.5\nb,5,1.0\n"}])
    assert status == 200 and body["exit_code"] == 0, body["stderr"]
    got = files_of(body)
    assert got["totals.csv"].decode().splitlines() == ["item,units,price,total", "a,3,2.5,7.5", "b,5,1.0,5.0"]
    assert got["chart.png"].startswith(PNG)
    assert len(body["images"]) == 1 and base64.b64decode(body["images"][0]["content_base64"]).startswith(PNG)


def test_figures_over_the_cap_are_left_out(api):
    status, body = api.run(
        "import matplotlib.pyplot as plt, numpy as np\n"
        "for i in range(8):\n"
        "    plt.figure(figsize=(12, 12), dpi=100); plt.imshow(np.random.rand(600, 600)); plt.show()\n",
        memory_mb=512, timeout=30)
    assert status == 200 and body["exit_code"] == 0, body["stderr"]
    assert body["images_truncated"] is True
    assert 1 <= len(body["images"]) < 8
    assert sum(i["size"] for i in body["images"]) <= 4 << 20


def test_a_job_writing_junk_on_the_display_pipe_gets_its_own_junk_dropped(api):
    status, body = api.run("import os\nos.write(9, b'EXQIMG image/png 5\\nab')\n")
    assert status == 200 and body["exit_code"] == 0, body
    assert body["images"] == [] and body["images_truncated"] is True


def test_scratch_is_never_seen_by_the_next_job(api):
    marker = "left-by-an-earlier-job"
    for _ in range(3):
        status, body = api.run(f"import os\nopen('/tmp/{marker}', 'w').write('x')\n"
                               "print(sorted(os.listdir('/tmp')))\n", scratch_mb=1)
        assert status == 200 and body["stdout"] == f"['{marker}', 'out']\n", body


def test_async_job_returns_files_and_images(api):
    status, acc = api.request("POST", "/v1/jobs", {
        "code": "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nopen('/tmp/out/a.txt', 'w').write('hi')\n",
        "scratch_mb": 2, "timeout": 30})   # a cold matplotlib on a loaded machine (fresh mode) is not a test of time
    assert status == 202, acc
    for _ in range(3):
        status, got = api.request("GET", f"/v1/jobs/{acc['job_id']}?wait=20")
        if status == 200 and got["job"]["status"] == "completed":
            break
    assert status == 200 and got["job"]["status"] == "completed", got
    res = got["job"]["result"]
    assert files_of(res) == {"a.txt": b"hi"} and len(res["images"]) == 1, {k: res.get(k) for k in (
        "exit_code", "timed_out", "memory_exceeded", "stderr", "execution_time_ms")}


NUMPY_TEST = "/usr/lib/python3/dist-packages/numpy/core/tests/test_numerictypes.py"
PANDAS_TEST = "/usr/lib/python3/dist-packages/pandas/tests/tslibs/test_timedeltas.py"


@pytest.mark.parametrize("path", [NUMPY_TEST, PANDAS_TEST], ids=["numpy", "pandas"])
def test_real_test_suites_run_in_a_job_with_scratch(api, path):
    """A numpy and a pandas test file (both pass on the host) pass in a job,
    which needs scratch for pytest's temporary files."""
    status, body = api.run(
        "import sys, pytest\n"
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '--noconftest', '-x', {path!r}]))\n",
        scratch_mb=64, memory_mb=512, timeout=30)
    assert status == 200, body
    assert body["exit_code"] == 0, body["stdout"][-3000:] + body["stderr"][-3000:]
    assert " passed" in body["stdout"], body["stdout"][-2000:]


def test_files_give_way_to_the_output_within_the_message_limit(api):
    """Both streams at their cap, escaped six times over (12 MiB of JSON),
    and 4 MiB of files: the result would pass the topic's 16 MiB, so files
    are left out (before: the whole result was refused and failed)."""
    status, body = api.run(
        "import sys\n"
        "for i in range(4):\n    open(f'/tmp/out/f{i}', 'wb').write(b'x' * (1 << 20))\n"
        "sys.stdout.write('\\x01' * (1 << 20)); sys.stderr.write('\\x01' * (1 << 20))\n",
        scratch_mb=8, memory_mb=256, timeout=30)
    assert status == 200 and body["exit_code"] == 0, {k: v for k, v in body.items() if not k.startswith("std")}
    assert len(body["stdout"]) == 1 << 20 and len(body["stderr"]) == 1 << 20
    assert body["files_truncated"] is True and 1 <= len(body["files"]) < 4, [f["name"] for f in body["files"]]


def test_matplotlib_imported_by_the_job_itself(api):
    """The job's own import of matplotlib (fresh mode always; warm mode when
    it is not among --warm-imports, forced here by dropping the zygote's)
    finds its read-only config at /etc/matplotlib and needs no scratch
    (before: warm mode's shim only knew the zygote's host path, and the
    import failed with "No usable temporary directory")."""
    status, body = api.run(
        "import sys, os\n"
        "for m in [m for m in sys.modules if m.startswith(('matplotlib', 'mpl_toolkits', '_execq_display'))]:\n"
        "    del sys.modules[m]\n"
        "import matplotlib.pyplot as plt\n"
        "print(matplotlib_dir := __import__('matplotlib').get_configdir())\n"
        "plt.plot([3, 1, 2]); plt.show()\n")
    assert status == 200 and body["exit_code"] == 0, body["stderr"]
    assert body["stdout"] == "/etc/matplotlib\n" and len(body["images"]) == 1, body
