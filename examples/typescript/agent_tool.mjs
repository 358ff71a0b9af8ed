// execq as an agent's tool: a `run_python` tool with the JSON Schema an LLM
// tool-calling API takes, and a handler that turns any outcome into text the
// model can read. AbortSignal: the agent's own cancel stops (and cancels) the run.
//   cd examples/typescript && npm install && EXECQ_API_KEY=... node agent_tool.mjs
import { Client, ExecqError, InsufficientCredits, InvalidInput } from "execq";

export const TOOL = {
  name: "run_python",
  description: "Run Python 3 code in a sandbox (numpy, pandas, matplotlib available; no network, read-only filesystem, 10 s timeout). Print what you want to see.",
  input_schema: { type: "object", properties: { code: { type: "string" } }, required: ["code"] },
};
const MAX_CHARS = 4000;
const clip = (s) => (s.length <= MAX_CHARS ? s : `${s.slice(0, MAX_CHARS)}\n[... ${s.length - MAX_CHARS} more characters]`);

export async function runPython(client, code, signal) {
  let r;
  try {
    r = await client.execPython(code, { timeout: 10, signal });
  } catch (e) {
    if (e instanceof InvalidInput) return `error: the code was refused (${e.code}): ${e.message}`;
    if (e instanceof InsufficientCredits) return "error: out of credits";
    if (e instanceof ExecqError) return `error: the sandbox is unavailable (${e.code}); try again later`;
    if (e?.name === "AbortError") return "(cancelled)";
    throw e;
  }
  const parts = [];
  if (r.stdout) parts.push(clip(r.stdout));
  if (r.stderr) parts.push(`stderr:\n${clip(r.stderr)}`);
  if (r.timed_out) parts.push("(stopped: it ran past the 10 s timeout)");
  else if (r.memory_exceeded) parts.push("(stopped: it ran out of memory)");
  else if (r.exit_code !== 0) parts.push(`(exit code ${r.exit_code})`);
  if (r.images?.length) parts.push(`(${r.images.length} figure(s) produced)`);
  return parts.join("\n") || "(no output)";
}

/** One tool_use block in, one tool_result block out. */
export async function handleToolCall(client, call, signal) {
  return { type: "tool_result", tool_use_id: call.id, content: await runPython(client, call.input.code, signal) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = new Client();
  console.log(JSON.stringify(TOOL, null, 2));
  for (const code of ["import numpy as np\nprint(np.linalg.eigvals([[2, 1], [1, 2]]))", "print(1/0)", "while True: pass"]) {
    const out = await handleToolCall(client, { id: "t", name: "run_python", input: { code } });
    console.log(`--- ${JSON.stringify(code)}\n${out.content}`);
  }
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 500); // the agent gives up on a slow call: the job is cancelled too
  console.log(`--- a slow call, aborted\n${await runPython(client, "import time; time.sleep(8)", ac.signal)}`);
}
