// Receiving execq's webhooks (docs/webhooks.md): check a callback's
// Execq-Signature before trusting its body. The header is
// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with a second v1
// while a rotated secret's grace period lasts. Events come at least once:
// deduplicate by event.id. Web Crypto: Node 18+ and browsers.
import { InvalidSignature } from "./errors.js";

export interface WebhookEventBody {
  id: string;
  type: "job.completed" | "batch.completed" | "session.ended" | "ping";
  created_at_ms: number;
  account: string;
  data: Record<string, unknown>;
  /** A job's second job.completed, its result replaced (a late run over "lost" or "expired"): the first event's id. */
  replaces?: string;
}

export interface VerifyOptions {
  /** Seconds a signature's time may be from now (an old request replayed is refused). Default 300. */
  toleranceS?: number;
  /** Now, in unix seconds (tests). */
  now?: number;
}

async function subtle(): Promise<SubtleCrypto> {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.subtle) return c.subtle;
  const nodeCrypto = (await import("node:crypto")) as unknown as { webcrypto: Crypto };
  return nodeCrypto.webcrypto.subtle;
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/**
 * Resolves true when `header` signs `payload` (the request's raw body, as
 * received: bytes or the exact text) with `secret` (or one of several) and
 * its time is within toleranceS of now.
 */
export async function verifySignature(payload: string | Uint8Array, header: string, secret: string | string[],
  o: VerifyOptions = {}): Promise<boolean> {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of (header ?? "").split(",")) {
    const [k, v] = part.trim().split("=", 2) as [string, string | undefined];
    if (k === "t" && v !== undefined && /^\d+$/.test(v)) t = Number(v);
    else if (k === "v1" && v) sigs.push(v);
  }
  const now = o.now ?? Date.now() / 1000;
  if (t === undefined || sigs.length === 0 || Math.abs(now - t) > (o.toleranceS ?? 300)) return false;
  const s = await subtle();
  const prefix = new TextEncoder().encode(`${t}.`);
  const msg = new Uint8Array(prefix.length + body.length);
  msg.set(prefix, 0);
  msg.set(body, prefix.length);
  for (const sec of Array.isArray(secret) ? secret : [secret]) {
    const key = await s.importKey("raw", new TextEncoder().encode(sec), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = hex(await s.sign("HMAC", key, msg));
    if (sigs.some((v) => sameText(mac, v))) return true;
  }
  return false;
}

/** The event once its signature holds; rejects with InvalidSignature otherwise. */
export async function parseEvent(payload: string | Uint8Array, header: string, secret: string | string[],
  o: VerifyOptions = {}): Promise<WebhookEventBody> {
  if (!(await verifySignature(payload, header, secret, o))) {
    throw new InvalidSignature("the Execq-Signature does not match this body and secret (or is too old)");
  }
  return JSON.parse(typeof payload === "string" ? payload : new TextDecoder().decode(payload)) as WebhookEventBody;
}
