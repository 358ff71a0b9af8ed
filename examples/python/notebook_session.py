"""A notebook-style session: load data once, ask it several questions, try
two alternatives on forks of the same state, and save a figure.

    EXECQ_API_KEY=... python3 examples/python/notebook_session.py [out-dir]
"""
import pathlib
import sys

from execq import Client, Session

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "sales.csv"


def cell(s: Session, code: str) -> str:
    """Runs one cell; an expression's value is printed, as in a notebook."""
    r = s.exec(code, interactive="\n" not in code.strip())
    if r.exit_code != 0:
        raise SystemExit(f"cell failed:\n{code}\n{r.stderr}")
    return r.stdout


def main() -> int:
    out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "notebook-out")
    with Client() as client, client.session() as s:
        # Cell 1: the data goes in once (on stdin), and stays in the session.
        r = s.exec("import sys, io, pandas as pd\ndf = pd.read_csv(io.StringIO(sys.stdin.read()))\n"
                   "df['revenue'] = df.units * df.unit_price", stdin=DATA.read_text())
        assert r.exit_code == 0, r.stderr
        print("rows:", cell(s, "len(df)").strip())
        print(cell(s, "df.groupby('region').revenue.sum().round(2)"))
        # Two what-ifs on forks: each starts from the same loaded frame.
        with s.fork() as discount, s.fork() as premium:
            discount.exec("df['revenue'] = df.revenue * 0.9")
            premium.exec("df.loc[df['product'] == 'sprocket', 'revenue'] *= 1.5")
            for name, f in (("10% discount", discount), ("premium sprockets", premium)):
                print(f"{name:18} total {cell(f, 'round(df.revenue.sum(), 2)').strip()}")
        print("original total    ", cell(s, "round(df.revenue.sum(), 2)").strip())
        # A figure: plt.show() hands it back as a PNG.
        r = s.exec("import matplotlib.pyplot as plt\n"
                   "df.groupby('date').revenue.sum().plot(title='revenue per day')\nplt.show()")
        for p in r.save_images(out_dir):
            print("figure saved to", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
