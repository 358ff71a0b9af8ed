// A pipeline over a CSV: split it by region, run one sandboxed pandas job per
// region as a batch, and gather the answers.
//   cd examples/typescript && npm install
//   EXECQ_URL=http://127.0.0.1:8080 EXECQ_API_KEY=demo_key_slopshop node csv_pipeline.mjs
import { readFile } from "node:fs/promises";
import { Client } from "execq";

const REPORT = `
import json, pandas as pd
df = pd.read_csv('/input/sales.csv')
df['revenue'] = df.units * df.unit_price
best = df.groupby('product').revenue.sum().sort_values(ascending=False)
print(json.dumps({'region': df.region.iloc[0], 'rows': len(df), 'revenue': round(df.revenue.sum(), 2),
                  'best_product': best.index[0], 'best_revenue': round(best.iloc[0], 2)}))
`;

const [header, ...rows] = (await readFile(new URL("../data/sales.csv", import.meta.url), "utf8")).trim().split("\n");
const byRegion = new Map();
for (const row of rows) {
  const region = row.split(",")[1];
  byRegion.set(region, [...(byRegion.get(region) ?? []), row]);
}
const jobs = [...byRegion.values()].map((part) => ({
  code: REPORT, timeout: 20, files: { "sales.csv": [header, ...part].join("\n") + "\n" },
}));

const client = new Client();
const run = client.runBatch(jobs, { onProgress: (p) => console.error(`  ${p.completed}/${p.total} done`) });
const report = [];
let credits = 0;
for await (const item of run) {
  if (!item.result || item.result.exit_code !== 0) {
    console.error(`job ${item.index} failed:`, item.result?.stderr ?? String(item.error));
    process.exit(1);
  }
  report.push(JSON.parse(item.result.stdout));
  credits += item.result.credits_used;
}
console.log("region     rows    revenue  best product");
for (const r of report.sort((a, b) => b.revenue - a.revenue)) {
  console.log(`${r.region.padEnd(8)} ${String(r.rows).padStart(5)} ${r.revenue.toFixed(2).padStart(10)}  ${r.best_product} (${r.best_revenue.toFixed(2)})`);
}
console.log(`credits used: ${credits}`);
