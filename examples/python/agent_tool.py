"""execq as an agent's tool: a `run_python` tool with the JSON Schema an LLM
tool-calling API takes, and a handler that turns any outcome (output,
timeout, memory kill, refusal) into text the model can read.

    EXECQ_API_KEY=... python3 examples/python/agent_tool.py
"""
import json
import sys
from typing import Any

import execq

TOOL = {
    "name": "run_python",
    "description": ("Run Python 3 code in a sandbox (numpy, pandas, matplotlib available; no network, read-only "
                    "filesystem, 10 s timeout). Print what you want to see."),
    "input_schema": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
}
MAX_CHARS = 4000   # what the model is shown of each stream


def _clip(s: str) -> str:
    return s if len(s) <= MAX_CHARS else s[:MAX_CHARS] + f"\n[... {len(s) - MAX_CHARS} more characters]"


def run_python(client: execq.Client, code: str) -> str:
    """The tool's handler: never raises for the model's mistakes, says what happened."""
    try:
        r = client.exec_python(code, timeout=10)
    except execq.InvalidInput as e:
        return f"error: the code was refused ({e.code}): {e.message}"
    except execq.InsufficientCredits:
        return "error: out of credits"
    except execq.ExecqError as e:   # unavailable after the client's retries, and the rest
        return f"error: the sandbox is unavailable ({e.code}); try again later"
    parts = []
    if r.stdout:
        parts.append(_clip(r.stdout))
    if r.stderr:
        parts.append("stderr:\n" + _clip(r.stderr))
    if r.timed_out:
        parts.append("(stopped: it ran past the 10 s timeout)")
    elif r.memory_exceeded:
        parts.append("(stopped: it ran out of memory)")
    elif r.exit_code != 0:
        parts.append(f"(exit code {r.exit_code})")
    if r.images:
        parts.append(f"({len(r.images)} figure(s) produced)")
    return "\n".join(parts) or "(no output)"


def handle_tool_call(client: execq.Client, call: dict[str, Any]) -> dict[str, Any]:
    """One tool_use block in, one tool_result block out."""
    return {"type": "tool_result", "tool_use_id": call["id"], "content": run_python(client, call["input"]["code"])}


if __name__ == "__main__":
    calls: list[dict[str, Any]] = [
        {"id": "t1", "name": "run_python", "input": {"code": "import numpy as np\nprint(np.linalg.eigvals([[2, 1], [1, 2]]))"}},
        {"id": "t2", "name": "run_python", "input": {"code": "print(1/0)"}},
        {"id": "t3", "name": "run_python", "input": {"code": "while True: pass"}},
        {"id": "t4", "name": "run_python", "input": {"code": "import urllib.request\nurllib.request.urlopen('http://example.com')"}},
    ]
    print(json.dumps(TOOL, indent=2))
    with execq.Client() as client:
        for c in calls:
            out = handle_tool_call(client, c)
            print(f"--- {c['input']['code']!r}\n{out['content']}")
    sys.exit(0)
