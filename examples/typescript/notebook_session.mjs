// A notebook-style session: load data once, ask it several questions, try two
// alternatives on forks of the same state, and save a figure.
//   cd examples/typescript && npm install && EXECQ_API_KEY=... node notebook_session.mjs [out-dir]
import { readFile } from "node:fs/promises";
import { Client, saveOutputs } from "execq";

const client = new Client();
const s = await client.session();
const cell = async (sess, code) => {
  const r = await sess.exec(code, { interactive: !code.trim().includes("\n") });
  if (r.exit_code !== 0) throw new Error(`cell failed:\n${code}\n${r.stderr}`);
  return r.stdout.trim();
};
try {
  const data = await readFile(new URL("../data/sales.csv", import.meta.url), "utf8");
  await s.exec("import sys, io, pandas as pd\ndf = pd.read_csv(io.StringIO(sys.stdin.read()))\ndf['revenue'] = df.units * df.unit_price", { stdin: data });
  console.log("rows:", await cell(s, "len(df)"));
  console.log(await cell(s, "df.groupby('region').revenue.sum().round(2)"));
  const [discount, premium] = [await s.fork(), await s.fork()];
  await discount.exec("df['revenue'] = df.revenue * 0.9");
  await premium.exec("df.loc[df['product'] == 'sprocket', 'revenue'] *= 1.5");
  console.log("10% discount       total", await cell(discount, "round(df.revenue.sum(), 2)"));
  console.log("premium sprockets  total", await cell(premium, "round(df.revenue.sum(), 2)"));
  await Promise.all([discount.close(), premium.close()]);
  console.log("original total          ", await cell(s, "round(df.revenue.sum(), 2)"));
  const fig = await s.exec("import matplotlib.pyplot as plt\ndf.groupby('date').revenue.sum().plot(title='revenue per day')\nplt.show()");
  for (const p of await saveOutputs(fig, process.argv[2] ?? "notebook-out")) console.log("figure saved to", p);
} finally {
  await s.close();
}
