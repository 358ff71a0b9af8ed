"""A package index on loopback for the environment tests (PEP 503, the
"simple" API pip reads with --index-url), serving wheels made here: pure
Python, tiny, built without running any code of theirs. Also a project that
has only a source distribution, to prove builds take wheels only.

    idx = PackageIndex(); idx.start(); url = idx.url   # .../simple/
"""
import base64
import hashlib
import http.server
import io
import os
import tarfile
import tempfile
import threading
import zipfile


def _wheel(name, version, files, requires=()):
    """Bytes of a py3-none-any wheel holding files ({path: text})."""
    dist = f"{name.replace('-', '_')}-{version}"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    entries = dict(files)
    entries[f"{dist}.dist-info/METADATA"] = meta
    entries[f"{dist}.dist-info/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: execq-test\nRoot-Is-Purelib: true\n"
                                          "Tag: py3-none-any\n")
    record = []
    for path, text in entries.items():
        b = text.encode()
        h = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={h},{len(b)}")
    record.append(f"{dist}.dist-info/RECORD,,")
    entries[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, text in entries.items():
            z.writestr(path, text)
    return f"{dist}-py3-none-any.whl", buf.getvalue()


def _sdist(name, version):
    """Bytes of a source distribution whose setup.py would write a marker
    file if anything ever ran it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        src = b"open('/tmp/execq-sdist-ran', 'w').write('ran')\nfrom setuptools import setup\nsetup()\n"
        info = tarfile.TarInfo(f"{name}-{version}/setup.py")
        info.size = len(src)
        t.addfile(info, io.BytesIO(src))
    return f"{name}-{version}.tar.gz", buf.getvalue()


PTH_MARKER = "/tmp/execq-pth-ran"

# The projects served: two small pure-Python wheels (one needs the other),
# a second version of one, and a project with a source distribution only.
PROJECTS = {
    "execq-hello": [_wheel("execq-hello", "1.0", {
        "execq_hello/__init__.py": "from execq_util import VERSION\n\ndef greet():\n"
                                   "    return 'hello from execq-hello 1.0, util ' + VERSION\n",
        "execq_hello/data.txt": "data beside the module\n",
        "execq_hello/lazy.py": "WHAT = 'imported on demand'\n"}, ["execq-util>=2.0"])],
    "execq-util": [_wheel("execq-util", "2.0", {"execq_util.py": "VERSION = '2.0'\n"}),
                   _wheel("execq-util", "3.0", {"execq_util.py": "VERSION = '3.0'\n"})],
    "execq-sdist-only": [_sdist("execq-sdist-only", "1.0")],
    # A .pth file runs its "import" lines wherever site-packages is read:
    # it records the uid it ran as, and leaves a marker in /tmp where it can.
    "execq-pth": [_wheel("execq-pth", "1.0", {
        "execq_pth.pth": "import sys, os; sys.execq_pth_uid = os.getuid(); exec(\"try:\\n open('" + PTH_MARKER +
                         "', 'w').write('ran')\\nexcept OSError:\\n pass\")\n",
        "execq_pth_mod.py": "X = 1\n"})],
}


class PackageIndex:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="execq-index-")
        self.hits = []   # paths asked for
        for project, files in PROJECTS.items():
            d = os.path.join(self.dir, "simple", project)
            os.makedirs(d)
            links = []
            for fname, data in files:
                with open(os.path.join(d, fname), "wb") as f:
                    f.write(data)
                links.append(f'<a href="{fname}#sha256={hashlib.sha256(data).hexdigest()}">{fname}</a>')
            with open(os.path.join(d, "index.html"), "w") as f:
                f.write("<!DOCTYPE html><html><body>" + "<br>".join(links) + "</body></html>\n")
        self.server = None

    def sha256(self, fname):
        for files in PROJECTS.values():
            for name, data in files:
                if name == fname:
                    return hashlib.sha256(data).hexdigest()
        raise KeyError(fname)

    def start(self):
        index = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=index.dir, **kw)

            def do_GET(self):
                index.hits.append(self.path)
                super().do_GET()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple/"
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
