// The TypeScript SDK against the real stack: every route it wraps, the error
// mapping, retries never charged twice, streaming with AbortSignal, a
// 1,000-job batch with its progress, sessions and fork, files and figures.
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile, mkdir, chmod, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import * as execq from "../dist/index.js";
import { ADMIN, KEY, URL_, flakyProxy } from "./helpers.mjs";

const { Client } = execq;
const SPEC = JSON.parse(await readFile(new URL("../../../docs/openapi.json", import.meta.url), "utf8"));
const client = new Client({ apiKey: KEY, url: URL_, adminToken: ADMIN });
const PRINTER = "import time\nfor i in range(4):\n    print(i, flush=True)\n    time.sleep(0.3)\n";

async function fresh() {
  const s = await client.signup();
  const c = new Client({ apiKey: s.api_key, url: URL_, adminToken: ADMIN });
  c.accountId = s.account_id;
  return c;
}

function operations(doc) {
  return new Set(Object.values(doc.paths).flatMap((p) => Object.values(p)).filter((o) => o?.operationId).map((o) => o.operationId));
}

test("every operation of the API has a method", async () => {
  const ops = operations(await client.openapi());
  assert.deepEqual([...ops].sort(), [...operations(SPEC)].sort());
  const missing = [...ops].filter((o) => !(o in execq.OPERATIONS));
  assert.deepEqual(missing, [], `operations without a method in the TypeScript SDK: ${missing}`);
  const stale = Object.keys(execq.OPERATIONS).filter((o) => !ops.has(o));
  assert.deepEqual(stale, [], `methods for operations the API no longer has: ${stale}`);
  for (const [op, name] of Object.entries(execq.OPERATIONS)) {
    const fn = name.split(".").reduce((o, p) => o?.[p], client);
    assert.equal(typeof fn, "function", `${op} -> ${name}`);
  }
});

test("every error code has its exception class", () => {
  const codes = SPEC.components.schemas.Error.properties.error.properties.code.enum;
  assert.deepEqual(Object.keys(execq.ERRORS).sort(), [...codes].sort());
  for (const [code, Cls] of Object.entries(execq.ERRORS)) {
    const e = new Cls("m");
    assert.equal(e.code, code);
    assert.ok(e instanceof execq.ExecqError);
  }
});

test("the seed example, stdin, timeouts", async () => {
  const r = await client.execPython("import math\nresult = math.sqrt(144) * 3.14159\nprint(f\"Result: {result:.4f}\")", { timeout: 10 });
  assert.equal(r.stdout, "Result: 37.6991\n");
  assert.equal(r.exit_code, 0);
  assert.equal(r.credits_used, 5);
  assert.equal(r._engine, "real");
  const t = await client.execPython("import time\nprint('a', flush=True)\ntime.sleep(5)", { timeout: 0.5 });
  assert.equal(t.timed_out, true);
  assert.equal(t.exit_code, -1);
  assert.equal(t.stdout, "a\n");
  assert.equal((await client.execPython("import sys\nprint(sys.stdin.read().upper())", { stdin: "hello" })).stdout, "HELLO\n");
  const b = await client.execPython("import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])",
    { stdin: new Uint8Array([97, 0, 255, 98]) });
  assert.deepEqual([...execq.stdoutBytes(b)], [98, 255, 0, 97]);
});

test("files in and out, figures, saved to a folder", async () => {
  const code = "import os, pandas as pd, matplotlib.pyplot as plt\nos.makedirs('/tmp/out/report')\n" +
    "df = pd.read_csv('/input/sales.csv')\n" +
    "df.assign(double=df.units * 2).to_csv('/tmp/out/report/double.csv', index=False)\n" +
    "print(df.units.sum(), open('/input/raw', 'rb').read())\nplt.plot(df.units); plt.show()\n";
  const r = await client.execPython(code, { scratchMb: 16, files: { "sales.csv": "item,units\na,3\nb,5\n", raw: new Uint8Array([0, 1]) } });
  assert.equal(r.exit_code, 0, r.stderr);
  assert.equal(r.stdout, "8 b'\\x00\\x01'\n");
  const files = execq.outputFiles(r);
  assert.deepEqual(files.map((f) => f.name), ["report/double.csv"]);
  assert.equal(new TextDecoder().decode(files[0].bytes), "item,units,double\na,3,6\nb,5,10\n");
  const imgs = execq.images(r);
  assert.equal(imgs.length, 1);
  assert.deepEqual([...imgs[0].subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const dir = await mkdtemp(join(tmpdir(), "execq-ts-"));
  const paths = await execq.saveOutputs(r, dir);
  assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)).sort(), ["figure-1.png", "report/double.csv"]);
  assert.equal(await readFile(join(dir, "report/double.csv"), "utf8"), "item,units,double\na,3,6\nb,5,10\n");
  await rm(dir, { recursive: true });
});

test("errors are classes with the API's code", async () => {
  await assert.rejects(client.execPython("1", { timeout: 99 }), (e) => e instanceof execq.InvalidTimeout && e.status === 400 && e instanceof execq.InvalidInput);
  await assert.rejects(new Client({ apiKey: "eq_nope", url: URL_ }).account(), (e) => e instanceof execq.Unauthorized && e.status === 401);
  await assert.rejects(client.get("00000000-0000-4000-8000-000000000000"), execq.NotFound);
  await assert.rejects(client.execPython("1", { env: "no-such-env" }), execq.UnknownEnv);
  const f = await fresh();
  await assert.rejects(f.submitBatch(Array(101).fill("print(1)")), (e) => e instanceof execq.InsufficientCredits && e.status === 402);
  assert.equal((await f.account()).balance, 500);
  const key = `ts-reused-${f.accountId}`;
  await f.submit("print(1)", { idempotencyKey: key });
  await assert.rejects(f.submit("print(2)", { idempotencyKey: key }), (e) => e instanceof execq.IdempotencyKeyReused && e.status === 422);
});

test("rate limited: Retry-After is given and honoured", { skip: !ADMIN }, async () => {
  const f = await fresh();
  await client.admin.setLimits(f.accountId, "ts sdk test", { requests_per_s: 1 });
  const impatient = new Client({ apiKey: (await f.config()).apiKey, url: URL_, maxRetries: 0 });
  let err;
  const deadline = Date.now() + 15_000; // a limit applies within 5 s
  while (!err && Date.now() < deadline) {
    try {
      await impatient.account();
    } catch (e) {
      err = e;
    }
  }
  assert.ok(err instanceof execq.RateLimited, String(err));
  assert.ok(err.retryAfter > 0);
  const t0 = Date.now();
  for (let i = 0; i < 4; i++) assert.equal((await f.account()).account_id, f.accountId);
  assert.ok(Date.now() - t0 >= 1000);
});

for (const plan of [["503"], ["lost_answer"], ["cut"], ["503", "lost_answer", "cut"]]) {
  test(`a retried exec is charged once (${plan.join(", ")})`, async () => {
    const f = await fresh();
    const proxy = await flakyProxy("/v1/exec-python", [...plan]);
    try {
      const c = new Client({ apiKey: (await f.config()).apiKey, url: proxy.url, backoffMs: 50 });
      const before = await f.account();
      const r = await c.execPython("import random\nprint(random.random())");
      const after = await f.account();
      assert.equal(proxy.seen.length, plan.length + 1);
      assert.equal(new Set(proxy.seen.map((s) => s.key)).size, 1);
      assert.ok(proxy.seen[0].key);
      assert.equal(r.credits_used, 5);
      assert.equal(before.balance - after.balance, 5);
      assert.equal(after.runs - before.runs, 1);
    } finally {
      await proxy.close();
    }
  });
}

test("a session exec is not sent twice after a cut", async () => {
  const f = await fresh();
  const s = await f.session();
  const proxy = await flakyProxy(`/v1/sessions/${s.id}/exec`, ["cut"]);
  try {
    const c = new Client({ apiKey: (await f.config()).apiKey, url: proxy.url, backoffMs: 50 });
    await assert.rejects(c.sessionExec(s.id, "n = globals().get('n', 0) + 1"), execq.ConnectionFailed);
    assert.equal((await s.exec("print(n)")).stdout, "1\n");
    assert.equal(proxy.seen.length, 1);
  } finally {
    await proxy.close();
    await s.close();
  }
});

test("streaming, and AbortSignal cancels the job", async () => {
  const s = client.stream(PRINTER);
  let out = "";
  for await (const ev of s) if (ev.event === "stdout") out += ev.data.text;
  assert.equal(out, "0\n1\n2\n3\n");
  const r = await s.result();
  assert.equal(r.stdout, out);
  assert.equal(r.job_id, s.jobId);
  // A loop left early: the next goes on from there, and result() reads the rest.
  const s2 = client.stream(PRINTER);
  let first;
  for await (const ev of s2) {
    first = ev;
    break;
  }
  assert.equal(first.event, "stdout");
  let rest = "";
  for await (const ev of s2) if (ev.event === "stdout") rest += ev.data.text;
  assert.equal(first.data.text + rest, "0\n1\n2\n3\n");
  assert.equal((await s2.result()).stdout, "0\n1\n2\n3\n");

  const f = await fresh();
  const ac = new AbortController();
  const st = f.stream("import time\nprint('started', flush=True)\ntime.sleep(25)", { timeout: 30, signal: ac.signal });
  let seen = "";
  await assert.rejects((async () => {
    for await (const ev of st) {
      if (ev.event === "stdout") seen += ev.data.text;
      if (seen === "started\n") ac.abort();
    }
  })());
  const done = await f.wait(st.jobId, { timeoutMs: 20_000 });
  assert.equal(done.cancelled, true);   // cancel_on_disconnect: killed, not left to its 25 s
  assert.equal(done.stdout, "started\n");
});

test("submit, get, wait, follow (resuming), cancel", async () => {
  const j = await client.submit(PRINTER, { stream: true });
  assert.equal(j.credits_charged, 5);
  assert.equal((await client.get(j.job_id)).kind, "async");
  const f = client.follow(j.job_id);
  let out = "";
  for await (const ev of f) if (ev.event === "stdout") out += ev.data.text;
  assert.equal(out, "0\n1\n2\n3\n");
  assert.equal((await f.result()).exit_code, 0);
  assert.equal((await client.wait(j.job_id)).stdout, out);
  const resumed = client.follow(j.job_id, { lastEventId: "4.0" });
  let rest = "";
  for await (const ev of resumed) if (ev.event === "stdout") rest += ev.data.text;
  assert.equal(rest, "2\n3\n");

  const slow = await client.submit("import time\nprint('up', flush=True)\ntime.sleep(20)", { timeout: 25 });
  while ((await client.get(slow.job_id)).status !== "running") await new Promise((r) => setTimeout(r, 100));
  assert.equal((await client.cancel(slow.job_id)).status, "cancelling");
  const c = await client.wait(slow.job_id, { timeoutMs: 20_000 });
  assert.equal(c.cancelled, true);
  await assert.rejects(client.cancel(slow.job_id), execq.AlreadyFinished);
  const w = await client.submit("import time; time.sleep(5)");
  await assert.rejects(client.wait(w.job_id, { timeoutMs: 500 }), (e) => e.code === "wait_timeout");
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(client.wait(w.job_id, { signal: ac.signal }), (e) => e.name === "AbortError");
});

test("a 1,000-job batch with its progress", { skip: !ADMIN }, async () => {
  const f = await fresh();
  await client.admin.grant(f.accountId, 5000, "ts sdk test: 1,000 jobs");
  const progress = [];
  const jobs = Array.from({ length: 999 }, (_, i) => `print(${i} * ${i})`);
  jobs.push({ code: "import sys; sys.exit(7)", timeout: 2 });
  const run = f.runBatch(jobs, { pageSize: 400, onProgress: (p) => progress.push(p) });
  const seen = new Map();
  for await (const item of run) {
    assert.ok(!seen.has(item.index));
    seen.set(item.index, item);
  }
  assert.equal(seen.size, 1000);
  for (let i = 0; i < 999; i++) assert.equal(seen.get(i).result.stdout, `${i * i}\n`);
  assert.equal(seen.get(999).result.exit_code, 7);
  assert.equal(run.batchIds.length, 3);
  assert.deepEqual(progress.filter((p) => p.completed === 0).map((p) => p.submitted).slice(0, 3), [400, 800, 1000]);
  const last = progress.at(-1);
  assert.deepEqual(last, { submitted: 1000, completed: 1000, failed: 0, total: 1000 });
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].completed >= progress[i - 1].completed);
  const a = await f.account();
  assert.equal(a.runs, 1000);
  assert.equal(a.credits_charged, 5000);
});

test("batches from an async generator, in pages", async () => {
  async function* gen() {
    for (const c of "abcde") yield `print('${c}')`;
  }
  const run = client.runBatch(gen(), { pageSize: 2 });
  for await (const first of run) {
    assert.ok(first.result);
    break; // the rest is still there for results()
  }
  const items = await run.results();
  assert.deepEqual(items.map((i) => i.result.stdout), ["a\n", "b\n", "c\n", "d\n", "e\n"]);
  assert.equal(run.batchIds.length, 3);
  const page = await client.getBatch(run.batchIds[0], { limit: 1 });
  assert.equal(page.size, 2);
  assert.equal(page.next_offset, 1);
});

test("sessions: exec, fork, stream, list, close", async () => {
  const f = await fresh();
  const s = await f.session({ memoryMb: 256, idleTimeoutS: 120 });
  assert.equal(s.created.state, "open");
  await s.exec("import pandas as pd\ndf = pd.DataFrame({'a': range(10)})\nx = 41");
  assert.equal((await s.exec("x + 1", { interactive: true })).stdout, "42\n");
  const fork = await s.fork();
  assert.notEqual(fork.id, s.id);
  assert.equal((await fork.exec("print(df.a.sum(), x)")).stdout, "45 41\n");
  await fork.exec("x = 100");
  assert.equal((await s.exec("print(x)")).stdout, "41\n");
  assert.equal((await fork.exec("print(x)")).stdout, "100\n");
  const st = s.stream("print('s1', flush=True)\nprint('s2')");
  let out = "";
  for await (const ev of st) if (ev.event === "stdout") out += ev.data.text;
  assert.equal(out, "s1\ns2\n");
  assert.equal((await st.result()).session.id, s.id);
  const ids = new Set((await f.sessions()).map((x) => x.session_id));
  assert.ok(ids.has(s.id) && ids.has(fork.id));
  assert.ok((await s.info()).execs >= 4);
  await fork.close();
  await s.close();
  await assert.rejects(f.getSession(s.id), execq.NotFound);
  await s.close(); // twice is fine
});

test("signup, account, rotate, health, metrics, envs", async () => {
  const s = await client.signup();
  assert.ok(s.api_key.startsWith("eq_"));
  const c = new Client({ apiKey: s.api_key, url: URL_ });
  assert.equal((await c.account()).balance, 500);
  const k = await c.rotateKey({ graceS: 0 });
  assert.notEqual(k.api_key, s.api_key);
  assert.equal((await c.account()).account_id, s.account_id);
  await assert.rejects(new Client({ apiKey: s.api_key, url: URL_ }).account(), execq.Unauthorized);
  assert.equal((await client.health()).kafka, "up");
  const m = await client.metrics();
  assert.match(m, /# TYPE execq_/);
  const line = m.split("\n").find((l) => l.startsWith('execq_http_requests_by_client_total{client="typescript"}'));
  assert.ok(line && Number(line.split(" ").at(-1)) > 0, "the API counts this SDK's requests");
  assert.ok((await client.envs()).some((e) => e.name === "default" && e.state === "ready"));
});

test("admin routes", { skip: !ADMIN }, async () => {
  const f = await fresh();
  const adm = client.admin;
  const id = f.accountId;
  assert.ok((await adm.accounts({ q: id })).accounts.some((a) => a.account_id === id));
  const g1 = await adm.grant(id, 10, "ts grant", { idempotencyKey: `ts-grant-${id}` });
  const g2 = await adm.grant(id, 10, "ts grant", { idempotencyKey: `ts-grant-${id}` });
  assert.deepEqual(g1, g2);
  assert.equal((await adm.account(id)).balance, 510);
  assert.ok(Array.isArray((await adm.usage(id, { days: 1 })).days));
  assert.equal((await adm.setLimits(id, "ts limits", { max_open: 7 })).limits.max_open, 7);
  await adm.suspend(id, "ts suspend");
  await assert.rejects(f.account(), (e) => e instanceof execq.AccountSuspended && e.status === 403);
  await adm.reinstate(id, "ts reinstate");
  assert.equal((await f.account()).account_id, id);
  const k = await adm.newKey(id, "ts new key", { graceS: 0 });
  await assert.rejects(f.account(), execq.Unauthorized);
  const c = new Client({ apiKey: k.api_key, url: URL_ });
  assert.equal((await c.account()).account_id, id);
  await adm.revokeKeys(id, "ts revoke");
  await assert.rejects(c.account(), execq.Unauthorized);
  const actions = (await adm.audit(id, { limit: 20 })).audit.map((a) => a.action);
  assert.ok(actions.includes("suspend") && actions.includes("grant"), String(actions));
});

test("configuration from the environment and the credentials file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "execq-ts-cfg-"));
  const saved = { ...process.env };
  try {
    delete process.env.EXECQ_URL;
    delete process.env.EXECQ_API_KEY;
    process.env.XDG_CONFIG_HOME = dir;
    await mkdir(join(dir, "execq"));
    const cred = join(dir, "execq", "credentials");
    await writeFile(cred, `# written by \`execq signup\`\nurl=${URL_}/\napi_key=${KEY}\naccount_id=demo\n`);
    await chmod(cred, 0o600);
    const c = new Client();
    assert.deepEqual(await c.config(), { url: URL_, apiKey: KEY });
    assert.equal((await c.account()).account_id, "demo");
    process.env.EXECQ_API_KEY = "from-env";
    assert.equal((await new Client().config()).apiKey, "from-env");
    delete process.env.EXECQ_API_KEY;
    await chmod(cred, 0o644);
    await assert.rejects(new Client().config(), (e) => e instanceof execq.ConfigError && /chmod 600/.test(e.message));
    await rm(cred);
    await assert.rejects(new Client({ url: URL_ }).account(), (e) => e instanceof execq.ConfigError && /no API key/.test(e.message));
  } finally {
    process.env = saved;
    await rm(dir, { recursive: true });
  }
});

test("webhooks: settings, callbacks, signatures, deliveries", async () => {
  const { createServer } = await import("node:http");
  const c = await fresh();
  const w = await c.webhook();
  assert.equal(w.url, null);
  assert.match(w.secret, /^whsec_[0-9a-f]{64}$/);
  await assert.rejects(c.submit("1", { callbackUrl: "ftp://example.com/x" }), execq.InvalidCallbackUrl);
  await assert.rejects(c.replayDelivery("00000000-0000-4000-8000-000000000000"), execq.NotFound);
  const posts = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => { posts.push({ headers: req.headers, body: Buffer.concat(chunks) }); res.end(); });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  try {
    const s = await c.setWebhook(url, { events: ["job.completed"] });
    assert.equal(s.url, url);
    const job = await c.submit("print('ts hook')");
    const own = await c.submitBatch(["print(1)"], { callbackUrl: `${url}?batch=1`, callbackEvents: ["batch.completed"] });
    assert.equal((await c.wait(job.job_id)).stdout, "ts hook\n");
    if (process.env.EXECQ_TEST_HOOKS) {
      const deadline = Date.now() + 30_000;
      while (posts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const evs = posts.map((p) => ({ ...p, ev: JSON.parse(p.body.toString()) }));
      const mine = evs.find((p) => p.ev.type === "job.completed" && p.ev.data.job_id === job.job_id);
      assert.ok(mine, JSON.stringify(evs.map((p) => p.ev.type)));
      assert.ok(evs.find((p) => p.ev.type === "batch.completed" && p.ev.data.batch_id === own.batch_id));
      const sig = mine.headers["execq-signature"];
      assert.equal(await execq.verifySignature(mine.body, sig, w.secret), true);
      assert.equal(await execq.verifySignature(mine.body.toString(), sig, ["whsec_x", w.secret]), true);
      assert.equal(await execq.verifySignature(mine.body.toString().replace("ts hook", "ts hack"), sig, w.secret), false);
      assert.equal(await execq.verifySignature(mine.body, sig, w.secret, { now: Date.now() / 1000 + 3600 }), false);
      const ev = await execq.parseEvent(mine.body, sig, w.secret);
      assert.equal(ev.id, mine.headers["execq-event-id"]);
      await assert.rejects(execq.parseEvent(Buffer.concat([mine.body, Buffer.from(" ")]), sig, w.secret), execq.InvalidSignature);
      let ds = await c.jobDeliveries(job.job_id);
      while (ds[0]?.state !== "delivered" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        ds = await c.jobDeliveries(job.job_id);
      }
      assert.equal(ds[0].state, "delivered");
      assert.equal(ds[0].attempt_log[0].status, 200);
      assert.ok((await c.deliveries({ state: "delivered" })).some((d) => d.id === ds[0].id));
      // pending again, or delivered already: a daemon may send it before the answer is read back
      assert.ok(["pending", "delivered"].includes((await c.replayDelivery(ds[0].id)).state));
      // A session's own callbackUrl: its end.
      const sess = await c.session({ callbackUrl: `${url}?session=1` });
      await sess.close();
      const ended = () => posts.some((p) => {
        const e = JSON.parse(p.body.toString());
        return e.type === "session.ended" && e.data.session_id === sess.id;
      });
      const until = Date.now() + 30_000;
      while (!ended() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      assert.ok(ended());
      // runBatch's pages each take the callback: one job.completed per job.
      const ids = new Set();
      for await (const item of c.runBatch(["print(1)", "print(2)", "print(3)"], { pageSize: 2, callbackUrl: url, callbackEvents: ["job.completed"] })) ids.add(item.jobId);
      const called = () => new Set(posts.map((p) => JSON.parse(p.body.toString())).filter((e) => e.type === "job.completed" && ids.has(e.data.job_id)).map((e) => e.data.job_id));
      const until2 = Date.now() + 30_000;
      while (called().size < 3 && Date.now() < until2) await new Promise((r) => setTimeout(r, 100));
      assert.equal(ids.size, 3);
      assert.equal(called().size, 3);
    }
    const r = await c.rotateWebhookSecret({ graceS: 60 });
    assert.notEqual(r.secret, w.secret);
    assert.equal((await c.deleteWebhook()).url, null);
  } finally {
    server.close();
  }
});
