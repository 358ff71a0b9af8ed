// The execq client: fetch, promises, async iterators for streams and batch
// results, AbortSignal to stop and cancel. Node 18+ and browsers.
import { ConfigError, ConnectionFailed, ExecqError, ProtocolError, errorFromBody } from "./errors.js";
import type { components } from "./openapi.js";
import { SSEParser, lines, type StreamEventOf } from "./sse.js";

type Schemas = components["schemas"];
export type ExecResult = Schemas["ExecResult"];
export type JobRequest = Schemas["JobRequest"];
export type Job = Schemas["Job"];
export type JobAccepted = Schemas["JobAccepted"];
export type BatchAccepted = Schemas["BatchAccepted"];
export type BatchPage = Schemas["Batch"];
export type Account = Schemas["Account"];
export type Signup = Schemas["Signup"];
export type KeyIssued = Schemas["KeyIssued"];
export type CancelAnswer = Schemas["CancelAnswer"];
export type SessionInfo = Schemas["Session"];
export type Health = Schemas["Health"];
export type Env = Schemas["EnvList"]["envs"][number];
export type ErrorBody = Schemas["Error"];
export type WebhookSettings = Schemas["WebhookSettings"];
export type Delivery = Schemas["Delivery"];
export type WebhookEvent = "job.completed" | "batch.completed" | "session.ended";
export type StreamEvent = StreamEventOf;
type JSONObject = Record<string, unknown>;

export const VERSION = "0.1.0";
const DEFAULT_URL = "http://127.0.0.1:8080";
const SYNC_GRACE_MS = 15_000; // the API's --sync-grace-ms (5 s) and room for the network
const REQUIREMENTS_BUILD_MS = 120_000;

/**
 * Every operation of docs/openapi.json and the method that calls it (admin
 * ones on `client.admin`). The SDK's tests fail when the API has an
 * operation that is not here.
 */
export const OPERATIONS: Record<string, string> = {
  execPython: "execPython", submitJob: "submit", getJob: "get", cancelJob: "cancel", followJob: "follow",
  submitBatch: "submitBatch", getBatch: "getBatch", signup: "signup", getAccount: "account", listEnvs: "envs",
  health: "health", metrics: "metrics", openapi: "openapi", rotateOwnKey: "rotateKey",
  createSession: "session", listSessions: "sessions", getSession: "getSession", deleteSession: "deleteSession",
  execSession: "sessionExec", forkSession: "forkSession",
  adminListAccounts: "admin.accounts", adminGetAccount: "admin.account", adminUsage: "admin.usage",
  adminGrant: "admin.grant", adminNewKey: "admin.newKey", adminRevoke: "admin.revokeKeys",
  adminSuspend: "admin.suspend", adminReinstate: "admin.reinstate", adminLimits: "admin.setLimits",
  adminAudit: "admin.audit",
  getWebhook: "webhook", setWebhook: "setWebhook", deleteWebhook: "deleteWebhook",
  rotateWebhookSecret: "rotateWebhookSecret", listDeliveries: "deliveries", replayDelivery: "replayDelivery",
  getJobDeliveries: "jobDeliveries",
};

// Answers that say nothing was done or charged: the same request may come again.
const RETRY_CODES = new Set(["queue_unavailable", "overloaded", "store_unavailable", "shutting_down",
  "session_unavailable", "session_starting", "rate_limited", "too_many_jobs"]);
// Connection errors where the request never left.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export interface ClientOptions {
  /** Else EXECQ_API_KEY, else the CLI's credentials file (Node). */
  apiKey?: string;
  /** Else EXECQ_URL, else the credentials file, else http://127.0.0.1:8080. */
  url?: string;
  /** The operator token for `client.admin` (else EXECQ_ADMIN_TOKEN). */
  adminToken?: string;
  /** Per request (a sync call waits its job's timeout longer). Default 60 s. */
  timeoutMs?: number;
  /** Retries after a 503/429 that did nothing, or a broken connection. Default 4. */
  maxRetries?: number;
  backoffMs?: number;
  fetch?: typeof fetch;
}

/** Input files for /input: a string is UTF-8 text, bytes any bytes. */
export type Files = Record<string, string | Uint8Array>;

export interface JobOptions {
  timeout?: number;
  stdin?: string | Uint8Array;
  files?: Files;
  env?: string;
  memoryMb?: number;
  scratchMb?: number;
  requirements?: string[];
}

export interface ExecOptions extends JobOptions {
  /** Sent on the first attempt and every retry: a retry is never run or charged twice. Default: a new one. */
  idempotencyKey?: string;
  /** Aborting stops the call and cancels the job (the API's cancel_on_disconnect). */
  signal?: AbortSignal;
}

export type JobInput = string | ({ code: string } & JobOptions);

/** Where a job's or batch's end is POSTed, signed (docs/webhooks.md). */
export interface CallbackOptions {
  callbackUrl?: string;
  /** A job: job.completed (the default). A batch: batch.completed (the default) and/or job.completed. */
  callbackEvents?: WebhookEvent[];
}

function addCallback(body: JSONObject, o: CallbackOptions): void {
  if (o.callbackUrl !== undefined) body.callback_url = o.callbackUrl;
  if (o.callbackEvents !== undefined) body.callback_events = o.callbackEvents;
}

export interface Progress {
  submitted: number;
  completed: number;
  failed: number;
  total: number | undefined;
}

export interface BatchItem {
  /** The job's place in the input. */
  index: number;
  jobId: string;
  result: ExecResult | undefined;
  error: ExecqError | undefined;
}

export interface OutputFile {
  name: string;
  size: number;
  bytes: Uint8Array;
}

interface Call {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Safe to send again after a connection broke mid-request (a GET, a deduplicated POST, a cancel). */
  replayable?: boolean;
  auth?: "key" | "admin" | "none";
  text?: boolean;
  okStatuses?: number[];
  signal?: AbortSignal | undefined;
}

// -- encoding ------------------------------------------------------------------

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A new Idempotency-Key (unique, not secret: Node 18 has no global crypto without a flag). */
export function idempotencyKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return "sdk-" + c.randomUUID().replace(/-/g, "");
  let s = Date.now().toString(16);
  while (s.length < 32) s += Math.floor(Math.random() * 16).toString(16);
  return "sdk-" + s;
}

/** A job's body (JobRequest): only the fields given. */
export function jobBody(code: string, o: JobOptions & { interactive?: boolean } = {}): JSONObject {
  if (typeof code !== "string") throw new TypeError("code must be a string");
  const b: JSONObject = { code };
  if (o.stdin instanceof Uint8Array) b.stdin_b64 = toBase64(o.stdin);
  else if (o.stdin !== undefined) b.stdin = o.stdin;
  if (o.timeout !== undefined) b.timeout = o.timeout;
  if (o.env !== undefined) b.env = o.env;
  if (o.memoryMb !== undefined) b.memory_mb = o.memoryMb;
  if (o.scratchMb !== undefined) b.scratch_mb = o.scratchMb;
  if (o.requirements !== undefined) b.requirements = o.requirements;
  if (o.interactive !== undefined) b.interactive = o.interactive;
  if (o.files !== undefined) {
    b.files = Object.entries(o.files).map(([name, c]) =>
      typeof c === "string" ? { name, content: c, encoding: "utf-8" } : { name, content: toBase64(c), encoding: "base64" });
  }
  return b;
}

function toJobBody(j: JobInput): JSONObject {
  if (typeof j === "string") return jobBody(j);
  if (j && typeof j === "object" && typeof j.code === "string") return jobBody(j.code, j);
  throw new TypeError("a batch job is a string (its code) or an object with code");
}

/** The output files of a result, decoded. */
export function outputFiles(r: ExecResult): OutputFile[] {
  return (r.files ?? []).map((f) => ({ name: f.name, size: f.size, bytes: fromBase64(f.content_base64) }));
}

/** The figures of a result, as PNG bytes. */
export function images(r: ExecResult): Uint8Array[] {
  return (r.images ?? []).map((i) => fromBase64(i.content_base64));
}

/** The exact bytes a job printed (stdout holds U+FFFD for bytes that are not UTF-8). */
export function stdoutBytes(r: ExecResult): Uint8Array {
  return r.stdout_base64 !== undefined ? fromBase64(r.stdout_base64) : new TextEncoder().encode(r.stdout);
}

/** Node only: writes a result's files (under their names) and figures (figure-1.png, ...) to folder. */
export async function saveOutputs(r: ExecResult, folder: string): Promise<string[]> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const out: string[] = [];
  for (const f of outputFiles(r)) {
    const parts = f.name.split("/");
    if (f.name.startsWith("/") || parts.some((p) => p === "" || p === "." || p === "..")) {
      throw new ProtocolError(`unsafe file name from the server: ${f.name}`);
    }
    const p = path.join(folder, ...parts);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, f.bytes);
    out.push(p);
  }
  let i = 0;
  for (const img of images(r)) {
    const p = path.join(folder, `figure-${++i}.png`);
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(p, img);
    out.push(p);
  }
  return out;
}

// -- configuration -------------------------------------------------------------

const onNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

function envVar(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v ? v : undefined;
}

/** The CLI's credentials file (`execq signup`): url, api_key, account_id. Node only; {} elsewhere. */
export async function readCredentials(): Promise<Record<string, string>> {
  const xdg = envVar("XDG_CONFIG_HOME");
  const home = envVar("HOME");
  const dir = xdg?.startsWith("/") ? `${xdg}/execq` : home ? `${home}/.config/execq` : undefined;
  if (!dir || typeof (globalThis as { process?: unknown }).process === "undefined") return {};
  const fs = await import("node:fs/promises");
  const path = `${dir}/credentials`;
  let st;
  try {
    st = await fs.stat(path);
  } catch {
    return {};
  }
  if (st.mode & 0o077) {
    throw new ConfigError(`${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const out: Record<string, string> = {};
  for (const line of (await fs.readFile(path, "utf8")).split("\n")) {
    const eq = line.indexOf("=");
    if (line.startsWith("#") || eq < 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A signal that aborts when any of the given does, or after ms (AbortSignal.any is Node 20+). */
function combine(ms: number | undefined, ...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; headers: () => void; done: () => void } {
  const c = new AbortController();
  const timer = ms !== undefined ? setTimeout(() => c.abort(new DOMException("timed out", "TimeoutError")), ms) : undefined;
  (timer as { unref?: () => void } | undefined)?.unref?.(); // never what keeps a Node process alive
  const subs: [AbortSignal, () => void][] = [];
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) c.abort(s.reason);
    const f = () => c.abort(s.reason);
    s.addEventListener("abort", f, { once: true });
    subs.push([s, f]);
  }
  return {
    signal: c.signal,
    headers: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
    done: () => {
      if (timer !== undefined) clearTimeout(timer);
      for (const [s, f] of subs) s.removeEventListener("abort", f);
    },
  };
}

function errCode(e: unknown): string | undefined {
  const c = (e as { cause?: { code?: unknown } })?.cause?.code;
  return typeof c === "string" ? c : undefined;
}

// -- the client ------------------------------------------------------------------

export class Client {
  readonly admin: Admin;
  private readonly opts: ClientOptions;
  private readonly fetchFn: typeof fetch;
  private resolved: Promise<{ url: string; apiKey: string | undefined }> | undefined;
  private keyOverride: string | undefined;

  constructor(opts: ClientOptions = {}) {
    this.opts = opts;
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.admin = new Admin(this);
  }

  /** The URL and key in use (argument, then EXECQ_URL / EXECQ_API_KEY, then the credentials file). */
  config(): Promise<{ url: string; apiKey: string | undefined }> {
    this.resolved ??= (async () => {
      let url = this.opts.url ?? envVar("EXECQ_URL");
      let apiKey = this.opts.apiKey ?? envVar("EXECQ_API_KEY");
      if (!url || apiKey === undefined) {
        const saved = await readCredentials();
        url ??= saved.url;
        apiKey ??= saved.api_key;
      }
      return { url: (url ?? DEFAULT_URL).replace(/\/+$/, ""), apiKey: apiKey || undefined };
    })();
    return this.resolved;
  }

  private get maxRetries(): number {
    return this.opts.maxRetries ?? 4;
  }

  private delay(attempt: number, retryAfter: number | undefined): number {
    if (retryAfter !== undefined) return Math.min(Math.max(retryAfter, 0), 30) * 1000;
    return Math.random() * Math.min(8000, (this.opts.backoffMs ?? 250) * 2 ** attempt);
  }

  /** Sends a call with the retry policy; returns the final Response (2xx, or an okStatus). */
  private async send(call: Call): Promise<Response> {
    const { url, apiKey } = await this.config();
    // On Node the User-Agent names the SDK (execq_http_requests_by_client_total); a
    // browser sends its own (setting it there would add a header to every preflight).
    const headers: Record<string, string> = {
      "Content-Type": "application/json", ...(onNode ? { "User-Agent": `execq-typescript/${VERSION}` } : {}),
      ...call.headers,
    };
    if (call.auth !== "none") {
      const token = call.auth === "admin" ? this.opts.adminToken ?? envVar("EXECQ_ADMIN_TOKEN") : this.keyOverride ?? apiKey;
      if (!token) {
        throw new ConfigError(call.auth === "admin"
          ? "no operator token: pass adminToken or set EXECQ_ADMIN_TOKEN"
          : "no API key: pass apiKey, set EXECQ_API_KEY, or run `execq signup`");
      }
      headers.Authorization = `Bearer ${token}`;
    }
    const q = Object.entries(call.query ?? {}).filter(([, v]) => v !== undefined);
    const target = url + call.path + (q.length ? "?" + new URLSearchParams(q.map(([k, v]) => [k, String(v)])) : "");
    for (let attempt = 0; ; attempt++) {
      const t = combine(call.timeoutMs ?? this.opts.timeoutMs ?? 60_000, call.signal);
      let resp: Response;
      try {
        resp = await this.fetchFn(target, {
          method: call.method,
          headers,
          body: call.body === undefined ? null : JSON.stringify(call.body),
          signal: t.signal,
        });
      } catch (e) {
        t.done();
        if (call.signal?.aborted) throw call.signal.reason;
        const neverSent = NOT_SENT.has(errCode(e) ?? "");
        if (attempt < this.maxRetries && (call.replayable || neverSent)) {
          await sleep(this.delay(attempt, undefined), call.signal);
          continue;
        }
        throw new ConnectionFailed(`${call.method} ${call.path}: ${String((e as Error)?.cause ?? e)}`);
      }
      // The timeout covers the answer's headers; a stream then runs as long
      // as its job (the server ends it), or until the caller's signal aborts.
      t.headers();
      if (resp.ok || call.okStatuses?.includes(resp.status)) {
        if (!resp.headers.get("content-type")?.includes("text/event-stream")) t.done();
        return resp;
      }
      t.done();
      const text = await resp.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: errorFromBody says so
      }
      const ra = resp.headers.get("retry-after");
      const retryAfter = ra !== null && !Number.isNaN(Number(ra)) ? Number(ra) : undefined;
      const err = errorFromBody(body, resp.status, retryAfter, resp.headers.get("x-job-id") ?? undefined);
      if (attempt < this.maxRetries && [409, 429, 503].includes(resp.status) && RETRY_CODES.has(err.code)) {
        await sleep(this.delay(attempt, retryAfter), call.signal);
        continue;
      }
      throw err;
    }
  }

  private async json<T>(call: Call): Promise<T> {
    const resp = await this.send(call);
    if (call.text) return (await resp.text()) as T;
    try {
      return (await resp.json()) as T;
    } catch (e) {
      throw new ProtocolError(`${call.method} ${call.path}: not JSON (${String(e)})`, { status: resp.status });
    }
  }

  private syncTimeout(body: JSONObject): number {
    let t = Number(body.timeout ?? 10) * 1000 + SYNC_GRACE_MS;
    if (body.requirements) t += REQUIREMENTS_BUILD_MS;
    return Math.max(this.opts.timeoutMs ?? 60_000, t);
  }

  // -- jobs ------------------------------------------------------------------------

  /** Runs code and resolves to its result (POST /v1/exec-python). */
  async execPython(code: string, o: ExecOptions = {}): Promise<ExecResult> {
    const body = jobBody(code, o);
    if (o.signal) body.cancel_on_disconnect = true;
    return this.json<ExecResult>({
      method: "POST", path: "/v1/exec-python", body, replayable: true, signal: o.signal,
      headers: { "Idempotency-Key": o.idempotencyKey ?? idempotencyKey() }, timeoutMs: this.syncTimeout(body),
    });
  }

  /** Runs code and streams its output: `for await (const ev of s)`, then `await s.result()`. */
  stream(code: string, o: ExecOptions = {}): EventStream {
    const body: JSONObject = { ...jobBody(code, o), stream: true };
    if (o.signal) body.cancel_on_disconnect = true;
    const key = o.idempotencyKey ?? idempotencyKey();
    return new EventStream((sig) => this.send({
      method: "POST", path: "/v1/exec-python", body, replayable: true, signal: sig,
      headers: { "Idempotency-Key": key, Accept: "text/event-stream" }, timeoutMs: this.syncTimeout(body),
    }), o.signal, true);
  }

  /** Queues an async job (POST /v1/jobs). stream: publish its output from its start, for follow(). */
  submit(code: string, o: JobOptions & CallbackOptions & { stream?: boolean; idempotencyKey?: string } = {}): Promise<JobAccepted> {
    const body = jobBody(code, o);
    if (o.stream !== undefined) body.stream = o.stream;
    addCallback(body, o);
    return this.json<JobAccepted>({
      method: "POST", path: "/v1/jobs", body, replayable: true,
      headers: { "Idempotency-Key": o.idempotencyKey ?? idempotencyKey() },
    });
  }

  /** A job's state (GET /v1/jobs/{id}); wait: seconds (at most 30) to wait for it to complete. */
  async get(jobId: string, o: { wait?: number; signal?: AbortSignal } = {}): Promise<Job> {
    const a = await this.json<{ job: Job }>({
      method: "GET", path: `/v1/jobs/${encodeURIComponent(jobId)}`, query: { wait: o.wait }, replayable: true,
      timeoutMs: (this.opts.timeoutMs ?? 60_000) + (o.wait ?? 0) * 1000, signal: o.signal,
    });
    return a.job;
  }

  /** Resolves to a job's result; rejects with its error if it never ran, or after timeoutMs. Abort stops waiting. */
  async wait(jobId: string, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const deadline = o.timeoutMs !== undefined ? Date.now() + o.timeoutMs : undefined;
    for (;;) {
      const left = deadline === undefined ? 30 : Math.floor((deadline - Date.now()) / 1000);
      const wait = Math.max(0, Math.min(30, left));
      const job = await this.get(jobId, { wait, ...(o.signal ? { signal: o.signal } : {}) });
      if (job.status === "completed") return resultOf(job);
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new ExecqError(`job ${jobId} still ${job.status} after ${o.timeoutMs} ms`, { code: "wait_timeout", jobId });
      }
      if (wait === 0 && deadline !== undefined) await sleep(Math.min(250, Math.max(0, deadline - Date.now())), o.signal); // poll, not spin
    }
  }

  /** Cancels a job (POST /v1/jobs/{id}/cancel); wait() then gives its outcome. */
  cancel(jobId: string): Promise<CancelAnswer> {
    return this.json<CancelAnswer>({ method: "POST", path: `/v1/jobs/${encodeURIComponent(jobId)}/cancel`, replayable: true });
  }

  /** Follows a job's output (GET /v1/jobs/{id}/events), resuming with Last-Event-ID after a broken connection. */
  follow(jobId: string, o: { lastEventId?: string; signal?: AbortSignal } = {}): EventStream {
    return new EventStream((sig, last) => this.send({
      method: "GET", path: `/v1/jobs/${encodeURIComponent(jobId)}/events`, replayable: true, signal: sig,
      headers: { Accept: "text/event-stream", ...((last ?? o.lastEventId) ? { "Last-Event-ID": (last ?? o.lastEventId)! } : {}) },
      timeoutMs: 24 * 3600_000,
    }), o.signal, true, jobId);
  }

  // -- batches -----------------------------------------------------------------------

  /** Up to 1,000 jobs as one batch (POST /v1/batches). */
  submitBatch(jobs: JobInput[], o: CallbackOptions & { env?: string; idempotencyKey?: string } = {}): Promise<BatchAccepted> {
    const body: JSONObject = { jobs: jobs.map(toJobBody) };
    if (o.env !== undefined) body.env = o.env;
    addCallback(body, o);
    return this.json<BatchAccepted>({
      method: "POST", path: "/v1/batches", body, replayable: true,
      headers: { "Idempotency-Key": o.idempotencyKey ?? idempotencyKey() },
    });
  }

  /** One page of a batch (GET /v1/batches/{id}). */
  getBatch(batchId: string, o: { offset?: number; limit?: number; wait?: number } = {}): Promise<BatchPage> {
    return this.json<BatchPage>({
      method: "GET", path: `/v1/batches/${encodeURIComponent(batchId)}`, replayable: true,
      query: { offset: o.offset, limit: o.limit, wait: o.wait },
      timeoutMs: (this.opts.timeoutMs ?? 60_000) + (o.wait ?? 0) * 1000,
    });
  }

  /**
   * Runs any number of jobs: submits them in pages (each with its own
   * Idempotency-Key), keeps at most maxOpen unfinished, and yields each
   * job's item as it completes: `for await (const item of client.runBatch(jobs))`.
   * callbackUrl / callbackEvents: each page's, as submitBatch takes them (each page is a batch:
   * batch.completed comes once per page; ["job.completed"] for one callback per job).
   */
  runBatch(jobs: Iterable<JobInput> | AsyncIterable<JobInput>, o: {
    pageSize?: number; maxOpen?: number; env?: string; onProgress?: (p: Progress) => void; pollMs?: number;
    signal?: AbortSignal;
  } & CallbackOptions = {}): BatchRun {
    return new BatchRun(this, jobs, o);
  }

  // -- webhooks (docs/webhooks.md) -----------------------------------------------------

  /** The account's default callback URL, its events and the secret that signs its callbacks. */
  webhook(): Promise<WebhookSettings> {
    return this.json<WebhookSettings>({ method: "GET", path: "/v1/webhooks", replayable: true });
  }

  /** Sets the default callback URL (events: all three by default) for work made from now on. */
  setWebhook(url: string, o: { events?: WebhookEvent[] } = {}): Promise<WebhookSettings> {
    const body: JSONObject = { url };
    if (o.events !== undefined) body.events = o.events;
    return this.json<WebhookSettings>({ method: "POST", path: "/v1/webhooks", body, replayable: true });
  }

  /** Removes the default callback URL (the secret stays). */
  deleteWebhook(): Promise<WebhookSettings> {
    return this.json<WebhookSettings>({ method: "DELETE", path: "/v1/webhooks", replayable: true });
  }

  /** A new signing secret; the old one also signs for graceS (a day by default). */
  rotateWebhookSecret(o: { graceS?: number } = {}): Promise<WebhookSettings> {
    return this.json<WebhookSettings>({
      method: "POST", path: "/v1/webhooks/rotate", body: o.graceS !== undefined ? { grace_s: o.graceS } : {},
    });
  }

  /** The account's callback events, newest first (state "dead": the dead letters). */
  async deliveries(o: { state?: "pending" | "delivered" | "dead"; subject?: string; limit?: number } = {}): Promise<Delivery[]> {
    return (await this.json<{ deliveries: Delivery[] }>({
      method: "GET", path: "/v1/webhooks/deliveries", query: { state: o.state, subject: o.subject, limit: o.limit },
      replayable: true,
    })).deliveries;
  }

  /** Sends an event again (a dead letter, or one delivered). Not resent after a cut: a second one is 409. */
  async replayDelivery(eventId: string): Promise<Delivery> {
    const a = await this.json<{ deliveries: Delivery[] }>({
      method: "POST", path: `/v1/webhooks/deliveries/${encodeURIComponent(eventId)}/replay`,
    });
    return a.deliveries[0]!;
  }

  /** A job's callback events, each with every attempt. */
  async jobDeliveries(jobId: string): Promise<Delivery[]> {
    return (await this.json<{ deliveries: Delivery[] }>({
      method: "GET", path: `/v1/jobs/${encodeURIComponent(jobId)}/deliveries`, replayable: true,
    })).deliveries;
  }

  // -- account ---------------------------------------------------------------------------

  /** A new account and key (POST /v1/signup); no key needed. */
  signup(): Promise<Signup> {
    return this.json<Signup>({ method: "POST", path: "/v1/signup", auth: "none" });
  }

  account(): Promise<Account> {
    return this.json<Account>({ method: "GET", path: "/v1/account", replayable: true });
  }

  /** A new key for this account; this client uses it from now on. */
  async rotateKey(o: { graceS?: number } = {}): Promise<KeyIssued> {
    const k = await this.json<KeyIssued>({
      method: "POST", path: "/v1/keys/rotate", body: o.graceS !== undefined ? { grace_s: o.graceS } : {},
    });
    this.keyOverride = k.api_key;
    return k;
  }

  async envs(): Promise<Env[]> {
    return (await this.json<{ envs: Env[] }>({ method: "GET", path: "/v1/envs", replayable: true })).envs;
  }

  /** GET /healthz: a 503 is an answer too (the same fields, ok false). */
  health(): Promise<Health> {
    return this.json<Health>({ method: "GET", path: "/healthz", auth: "none", replayable: true, okStatuses: [503] });
  }

  metrics(): Promise<string> {
    return this.json<string>({ method: "GET", path: "/metrics", auth: "none", replayable: true, text: true });
  }

  openapi(): Promise<JSONObject> {
    return this.json<JSONObject>({ method: "GET", path: "/openapi.json", auth: "none", replayable: true });
  }

  // -- sessions ----------------------------------------------------------------------------

  /**
   * A new session (POST /v1/sessions): a Python that keeps its state between execs.
   * callbackUrl: its end (session.ended), and its forks', is POSTed there, signed (docs/webhooks.md).
   */
  async session(o: { memoryMb?: number; scratchMb?: number; idleTimeoutS?: number; maxLifetimeS?: number; env?: string; callbackUrl?: string } = {}): Promise<Session> {
    const body: JSONObject = {};
    if (o.callbackUrl !== undefined) body.callback_url = o.callbackUrl;
    if (o.memoryMb !== undefined) body.memory_mb = o.memoryMb;
    if (o.scratchMb !== undefined) body.scratch_mb = o.scratchMb;
    if (o.idleTimeoutS !== undefined) body.idle_timeout_s = o.idleTimeoutS;
    if (o.maxLifetimeS !== undefined) body.max_lifetime_s = o.maxLifetimeS;
    if (o.env !== undefined) body.env = o.env;
    return new Session(this, await this.json<SessionInfo>({ method: "POST", path: "/v1/sessions", body }));
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.json<{ sessions: SessionInfo[] }>({ method: "GET", path: "/v1/sessions", replayable: true })).sessions;
  }

  getSession(id: string): Promise<SessionInfo> {
    return this.json<SessionInfo>({ method: "GET", path: `/v1/sessions/${encodeURIComponent(id)}`, replayable: true });
  }

  deleteSession(id: string): Promise<SessionInfo> {
    return this.json<SessionInfo>({ method: "DELETE", path: `/v1/sessions/${encodeURIComponent(id)}`, replayable: true });
  }

  /** Runs code in a session. Not retried after a broken connection: a session exec has no Idempotency-Key. */
  sessionExec(id: string, code: string, o: { timeout?: number; stdin?: string | Uint8Array; interactive?: boolean; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const body = jobBody(code, o);
    if (o.signal) body.cancel_on_disconnect = true;
    return this.json<ExecResult>({
      method: "POST", path: `/v1/sessions/${encodeURIComponent(id)}/exec`, body, signal: o.signal,
      timeoutMs: this.syncTimeout(body),
    });
  }

  /** Streams a session exec's output. */
  sessionStream(id: string, code: string, o: { timeout?: number; stdin?: string | Uint8Array; signal?: AbortSignal } = {}): EventStream {
    const body: JSONObject = { ...jobBody(code, o), stream: true };
    if (o.signal) body.cancel_on_disconnect = true;
    return new EventStream((sig) => this.send({
      method: "POST", path: `/v1/sessions/${encodeURIComponent(id)}/exec`, body, signal: sig,
      headers: { Accept: "text/event-stream" }, timeoutMs: this.syncTimeout(body),
    }), o.signal, false);
  }

  forkSession(id: string): Promise<SessionInfo> {
    return this.json<SessionInfo>({ method: "POST", path: `/v1/sessions/${encodeURIComponent(id)}/fork` });
  }

  /** @internal for Admin */
  adminCall<T>(method: "GET" | "POST", path: string, body?: JSONObject, query?: Call["query"], headers?: Record<string, string>): Promise<T> {
    return this.json<T>({
      method, path: "/v1/admin/accounts" + path, body, query, headers: headers ?? {}, auth: "admin",
      replayable: method === "GET" || headers !== undefined,
    });
  }
}

/** A completed job's outcome: its result if it ran, else the error it ended with (expired, cancelled, lost). */
function outcome(job: { job_id: string; result?: unknown }): { result: ExecResult | undefined; error: ExecqError | undefined } {
  const r = job.result as (ExecResult | ErrorBody | undefined);
  if (r && (r as { ok?: unknown }).ok !== false) return { result: r as ExecResult, error: undefined };
  return { result: undefined, error: errorFromBody(r ?? {}, undefined, undefined, job.job_id) };
}

function resultOf(job: Job): ExecResult {
  const { result, error } = outcome(job);
  if (error) throw error;
  return result!;
}

/**
 * The events of a streamed call or a followed job: `for await` yields the
 * output events (stdout, stderr, dropped, restart); `await result()` is the
 * final result (it reads the rest first), or rejects with the job's error.
 */
export class EventStream implements AsyncIterable<StreamEvent> {
  jobId: string | undefined;
  private readonly parser = new SSEParser();
  private final: ExecResult | undefined;
  private error: ExecqError | undefined;
  private done = false;
  private lineIter: AsyncGenerator<string> | undefined;
  private readonly ctl = new AbortController();

  constructor(
    private readonly open: (signal: AbortSignal, lastEventId: string | undefined) => Promise<Response>,
    signal: AbortSignal | undefined,
    private readonly resumable: boolean,
    jobId?: string,
  ) {
    this.jobId = jobId;
    if (signal) {
      if (signal.aborted) this.ctl.abort(signal.reason);
      else signal.addEventListener("abort", () => this.ctl.abort(signal.reason), { once: true });
    }
  }

  /** Each loop goes on where the last one stopped (one loop at a time). */
  [Symbol.asyncIterator](): AsyncGenerator<StreamEvent> {
    return this.run();
  }

  private async *run(): AsyncGenerator<StreamEvent> {
    let attempt = 0;
    while (!this.done) {
      try {
        if (!this.lineIter) {
          const resp = await this.open(this.ctl.signal, this.parser.lastId);
          this.jobId ??= resp.headers.get("x-job-id") ?? undefined;
          if (!resp.headers.get("content-type")?.includes("text/event-stream")) {
            // an Idempotency-Key replay: the result as JSON, not a stream
            const body = (await resp.json()) as ExecResult | ErrorBody;
            this.done = true;
            if ((body as { ok?: unknown }).ok === false) this.error = errorFromBody(body, resp.status, undefined, this.jobId);
            else {
              this.final = body as ExecResult;
              for (const ev of ["stdout", "stderr"] as const) {
                if (this.final[ev]) yield { event: ev, data: { offset: 0, text: this.final[ev] }, id: undefined };
              }
            }
            break;
          }
          if (!resp.body) throw new ProtocolError("a stream without a body");
          this.lineIter = lines(resp.body);
        }
        // next() by hand: a for-await would close the lines when a caller's loop stops early
        for (let n = await this.lineIter.next(); !n.done; n = await this.lineIter.next()) {
          const ev = this.parser.feed(n.value);
          if (!ev) continue;
          if (ev.event === "result" || ev.event === "error") {
            this.done = true;
            if (ev.event === "result" && ev.data.ok !== false) this.final = ev.data as unknown as ExecResult;
            else {
              const st = ev.data.http_status;
              this.error = errorFromBody(ev.data, typeof st === "number" ? st : undefined, undefined, this.jobId);
            }
            this.ctl.abort(); // closes the connection
            break;
          }
          yield ev;
        }
        if (!this.done) throw new ConnectionFailed("the stream ended before its result", { jobId: this.jobId });
      } catch (e) {
        this.lineIter = undefined;
        if (this.done) break;
        if (e instanceof ExecqError && !(e instanceof ConnectionFailed)) throw e;
        if (this.ctl.signal.aborted) throw this.ctl.signal.reason;
        if (!this.resumable || attempt >= 4) {
          throw e instanceof ConnectionFailed ? e : new ConnectionFailed(`stream broken: ${String(e)}`, { jobId: this.jobId });
        }
        await sleep(Math.random() * 250 * 2 ** attempt++, this.ctl.signal);
      }
    }
  }

  /** The final result, after reading whatever of the stream is left. */
  async result(): Promise<ExecResult> {
    for await (const _ of this) {
      // drain
    }
    if (this.error) throw this.error;
    if (!this.final) throw new ProtocolError("the stream ended without a result", { jobId: this.jobId });
    return this.final;
  }

  /** Stops reading (the job goes on unless the call asked for cancel on disconnect). */
  close(): void {
    this.done = true;
    this.ctl.abort();
  }
}

/** A live session: exec, stream, fork, info, close (DELETE). */
export class Session {
  readonly id: string;
  constructor(private readonly client: Client, readonly created: SessionInfo) {
    this.id = created.session_id;
  }

  exec(code: string, o: { timeout?: number; stdin?: string | Uint8Array; interactive?: boolean; signal?: AbortSignal } = {}): Promise<ExecResult> {
    return this.client.sessionExec(this.id, code, o);
  }

  stream(code: string, o: { timeout?: number; stdin?: string | Uint8Array; signal?: AbortSignal } = {}): EventStream {
    return this.client.sessionStream(this.id, code, o);
  }

  /** A copy of this session's live state, made in milliseconds. */
  async fork(): Promise<Session> {
    return new Session(this.client, await this.client.forkSession(this.id));
  }

  info(): Promise<SessionInfo> {
    return this.client.getSession(this.id);
  }

  /** Ends the session; one already gone is fine. */
  async close(): Promise<void> {
    try {
      await this.client.deleteSession(this.id);
    } catch (e) {
      if (!(e instanceof ExecqError && e.code === "not_found")) throw e;
    }
  }
}

/** runBatch's items, as the jobs complete. */
export class BatchRun implements AsyncIterable<BatchItem> {
  readonly batchIds: string[] = [];
  readonly progress: Progress;
  private readonly seen: BatchItem[] = [];
  private inner: AsyncGenerator<BatchItem> | undefined;

  constructor(
    private readonly client: Client,
    private readonly jobs: Iterable<JobInput> | AsyncIterable<JobInput>,
    private readonly o: { pageSize?: number; maxOpen?: number; env?: string; onProgress?: (p: Progress) => void; pollMs?: number; signal?: AbortSignal } & CallbackOptions,
  ) {
    const total = Array.isArray(jobs) ? jobs.length : undefined;
    this.progress = { submitted: 0, completed: 0, failed: 0, total };
    const ps = o.pageSize ?? 500;
    if (!(ps >= 1 && ps <= 1000)) throw new RangeError("pageSize must be 1 to 1000");
  }

  /** Each loop goes on where the last one stopped (one loop at a time). */
  async *[Symbol.asyncIterator](): AsyncGenerator<BatchItem> {
    this.inner ??= this.run();
    // next() by hand: a for-await would end the run when a caller's loop stops early
    for (let n = await this.inner.next(); !n.done; n = await this.inner.next()) yield n.value;
  }

  private report(): void {
    this.o.onProgress?.({ ...this.progress });
  }

  private async *run(): AsyncGenerator<BatchItem> {
    const pageSize = this.o.pageSize ?? 500;
    const maxOpen = Math.max(this.o.maxOpen ?? 5000, pageSize);
    const runKey = idempotencyKey();
    const src = (Symbol.asyncIterator in Object(this.jobs)
      ? (this.jobs as AsyncIterable<JobInput>)[Symbol.asyncIterator]()
      : (this.jobs as Iterable<JobInput>)[Symbol.iterator]()) as AsyncIterator<JobInput> | Iterator<JobInput>;
    const p = this.progress;
    const open: { id: string; base: number; done: boolean[]; first: number }[] = [];
    let exhausted = false;
    let pages = 0;
    let idle = this.o.pollMs ?? 500;
    while (!exhausted || open.length) {
      // submit while there is room
      while (!exhausted && p.submitted - p.completed - p.failed < maxOpen) {
        const room = Math.min(pageSize, maxOpen - (p.submitted - p.completed - p.failed));
        const page: JobInput[] = [];
        while (page.length < room) {
          const n = await src.next();
          if (n.done) {
            exhausted = true;
            break;
          }
          page.push(n.value);
        }
        if (!page.length) break;
        const acc = await this.client.submitBatch(page, {
          idempotencyKey: `${runKey}-${pages++}`, ...(this.o.env !== undefined ? { env: this.o.env } : {}),
          callbackUrl: this.o.callbackUrl, callbackEvents: this.o.callbackEvents,
        });
        this.batchIds.push(acc.batch_id);
        open.push({ id: acc.batch_id, base: p.submitted, done: new Array<boolean>(acc.size).fill(false), first: 0 });
        p.submitted += acc.size;
        this.report();
      }
      let fresh = 0;
      for (const b of [...open]) {
        let off: number | null = b.first;
        while (off !== null) {
          const page: BatchPage = await this.client.getBatch(b.id, { offset: off, limit: 1000 });
          let i = page.offset;
          for (const j of page.jobs) {
            const idx = i++;
            if (idx >= b.done.length || b.done[idx] || j.status !== "completed") continue;
            b.done[idx] = true;
            const item: BatchItem = { index: b.base + idx, jobId: j.job_id, ...outcome(j) };
            if (item.result) p.completed++;
            else p.failed++;
            fresh++;
            this.seen.push(item);
            this.report();
            yield item;
          }
          off = page.next_offset ?? null;
        }
        while (b.first < b.done.length && b.done[b.first]) b.first++;
        if (b.first === b.done.length) open.splice(open.indexOf(b), 1);
      }
      if (!exhausted || open.length) {
        idle = fresh ? this.o.pollMs ?? 500 : Math.min(idle * 1.5, 5000);
        if (open.length) await sleep(idle, this.o.signal);
      }
    }
  }

  /** Every item, in input order (waits for the rest). */
  async results(): Promise<BatchItem[]> {
    for await (const _ of this) {
      // drain
    }
    return [...this.seen].sort((a, b) => a.index - b.index);
  }
}

/** The operator's API (/v1/admin/, the operator token: adminToken or EXECQ_ADMIN_TOKEN). */
export class Admin {
  constructor(private readonly c: Client) {}

  accounts(o: { q?: string; offset?: number; limit?: number } = {}): Promise<Schemas["AdminAccountList"]> {
    return this.c.adminCall("GET", "", undefined, o);
  }
  account(id: string): Promise<Schemas["AdminAccount"]> {
    return this.c.adminCall("GET", `/${encodeURIComponent(id)}`);
  }
  usage(id: string, o: { days?: number } = {}): Promise<Schemas["Usage"]> {
    return this.c.adminCall("GET", `/${encodeURIComponent(id)}/usage`, undefined, o);
  }
  audit(id: string, o: { limit?: number } = {}): Promise<Schemas["Audit"]> {
    return this.c.adminCall("GET", `/${encodeURIComponent(id)}/audit`, undefined, o);
  }
  grant(id: string, credits: number, reason: string, o: { idempotencyKey?: string } = {}): Promise<Schemas["Grant"]> {
    return this.c.adminCall("POST", `/${encodeURIComponent(id)}/credits`, { credits, reason }, undefined,
      { "Idempotency-Key": o.idempotencyKey ?? idempotencyKey() });
  }
  newKey(id: string, reason: string, o: { graceS?: number } = {}): Promise<Schemas["KeyIssued"]> {
    return this.c.adminCall("POST", `/${encodeURIComponent(id)}/keys`, { reason, ...(o.graceS !== undefined ? { grace_s: o.graceS } : {}) });
  }
  revokeKeys(id: string, reason: string): Promise<Schemas["AdminChange"]> {
    return this.c.adminCall("POST", `/${encodeURIComponent(id)}/keys/revoke`, { reason });
  }
  suspend(id: string, reason: string): Promise<Schemas["AdminChange"]> {
    return this.c.adminCall("POST", `/${encodeURIComponent(id)}/suspend`, { reason });
  }
  reinstate(id: string, reason: string): Promise<Schemas["AdminChange"]> {
    return this.c.adminCall("POST", `/${encodeURIComponent(id)}/reinstate`, { reason });
  }
  /** max_queued, max_open, requests_per_s, max_batch_jobs, max_sessions: null returns one to the default, one left out is kept. */
  setLimits(id: string, reason: string, limits: Partial<Record<"max_queued" | "max_open" | "requests_per_s" | "max_batch_jobs" | "max_sessions", number | null>>): Promise<Schemas["AdminLimits"]> {
    return this.c.adminCall("POST", `/${encodeURIComponent(id)}/limits`, { ...limits, reason });
  }
}
