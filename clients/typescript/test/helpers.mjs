// The TypeScript SDK's tests run against a real execq: EXECQ_URL,
// EXECQ_API_KEY (an account with credits: the demo key) and
// EXECQ_ADMIN_TOKEN. `make test` starts a stack and runs them
// (tests/sdk/test_sdks.py); by hand: `npm run build && npm test` with those set.
import http from "node:http";

export const URL_ = process.env.EXECQ_URL ?? "http://127.0.0.1:8080";
export const KEY = process.env.EXECQ_API_KEY ?? "demo_key_slopshop";
export const ADMIN = process.env.EXECQ_ADMIN_TOKEN;

/**
 * An HTTP proxy in front of the API that misbehaves on the first requests to
 * one path, then forwards everything:
 *   "503":         answers 503 queue_unavailable itself (nothing reaches the API);
 *   "lost_answer": forwards the request, then answers 503 instead of the API's answer;
 *   "cut":         forwards the request, then destroys the connection without an answer.
 */
export async function flakyProxy(path, plan) {
  const upstream = new URL(URL_);
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let action;
      if (req.url.split("?")[0] === path) {
        seen.push({ method: req.method, key: req.headers["idempotency-key"] });
        action = plan.shift();
      }
      const unavailable = JSON.stringify({ ok: false, error: { code: "queue_unavailable", message: "proxy says so" } });
      if (action === "503") {
        res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "0" });
        return res.end(unavailable);
      }
      const headers = { ...req.headers, host: upstream.host };
      const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (ur) => {
        const out = [];
        ur.on("data", (c) => out.push(c));
        ur.on("end", () => {
          if (action === "lost_answer") {
            res.writeHead(503, { "Content-Type": "application/json" });
            return res.end(unavailable);
          }
          if (action === "cut") return req.socket.destroy();
          const h = { ...ur.headers };
          delete h["transfer-encoding"];
          delete h["content-length"];
          res.writeHead(ur.statusCode, h);
          res.end(Buffer.concat(out));
        });
      });
      up.on("error", () => req.socket.destroy());
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
