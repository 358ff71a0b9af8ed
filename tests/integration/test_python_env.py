"""The sandbox is for real data code: Debian's numpy and pandas load and
compute, and the standard library works without any writable path."""


def test_numpy_and_pandas(api):
    status, body = api.run("import numpy as np, pandas as pd\n"
                           "df = pd.DataFrame({'a': np.arange(10), 'b': np.linspace(0, 1, 10)})\n"
                           "print(int(df.a.sum()), round(float(df.b.mean()), 3), np.linalg.inv(np.eye(2)).sum())",
                           timeout=30)
    assert status == 200 and body["exit_code"] == 0, body["stderr"][-1500:]
    assert body["stdout"] == "45 0.5 2.0\n"


def test_standard_library(api):
    status, body = api.run("import json, decimal, hashlib, sqlite3, re, datetime, statistics, csv, io\n"
                           "db = sqlite3.connect(':memory:')\n"
                           "db.execute('create table t(x)'); db.execute('insert into t values (41)')\n"
                           "print(db.execute('select x + 1 from t').fetchone()[0],"
                           " hashlib.sha256(b'abc').hexdigest()[:8], statistics.median([3, 1, 2]))")
    assert status == 200 and body["stdout"] == "42 ba7816bf 2\n", body["stderr"][-1500:]
