// execq: run untrusted Python over an API, sandboxed, with a hard timeout.
//
//   import { Client } from "execq";
//   const c = new Client();   // EXECQ_URL, EXECQ_API_KEY, or `execq signup`'s file
//   console.log((await c.execPython("print(6 * 7)")).stdout);   // 42
export * from "./client.js";
export * from "./errors.js";
export * from "./webhooks.js";
export type { StreamEventOf } from "./sse.js";
export type { components, operations, paths } from "./openapi.js";
