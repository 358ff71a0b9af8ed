"""A pipeline over a CSV: split it by region, run one sandboxed pandas job
per region as a batch, and gather the answers into one DataFrame.

    pip install ./clients/python pandas
    EXECQ_URL=http://127.0.0.1:8080 EXECQ_API_KEY=demo_key_slopshop python3 examples/python/csv_pipeline.py
"""
import csv
import io
import json
import pathlib
import sys

from execq import Client

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "sales.csv"

# The code each job runs: its region's rows come in as /input/sales.csv.
REPORT = """
import json, pandas as pd
df = pd.read_csv('/input/sales.csv')
df['revenue'] = df.units * df.unit_price
best = df.groupby('product').revenue.sum().sort_values(ascending=False)
print(json.dumps({'region': df.region.iloc[0], 'rows': len(df), 'revenue': round(df.revenue.sum(), 2),
                  'best_product': best.index[0], 'best_revenue': round(best.iloc[0], 2)}))
"""


def main() -> int:
    rows = list(csv.DictReader(DATA.open()))
    by_region: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_region.setdefault(r["region"], []).append(r)

    def as_csv(part: list[dict[str, str]]) -> str:
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(part)
        return out.getvalue()

    jobs = [{"code": REPORT, "files": {"sales.csv": as_csv(part)}, "timeout": 20} for part in by_region.values()]
    with Client() as client:
        run = client.run_batch(jobs, on_progress=lambda p: print(f"  {p.completed}/{p.total} done", file=sys.stderr))
        failed = 0
        for item in run:
            if item.result is None or item.result.exit_code != 0:
                failed += 1
                print(f"job {item.index} failed: {item.result.stderr if item.result else item.error}")
        if failed:
            return 1
        frame = run.results_frame()
    report = frame.stdout.map(json.loads).tolist()
    print(f"{'region':8} {'rows':>5} {'revenue':>10}  best product")
    for r in sorted(report, key=lambda d: -d["revenue"]):
        print(f"{r['region']:8} {r['rows']:5d} {r['revenue']:10.2f}  {r['best_product']} ({r['best_revenue']:.2f})")
    print(f"credits used: {int(frame.credits_used.sum())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
