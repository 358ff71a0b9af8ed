// Server-Sent Events (docs/api.md, Streaming): lines in, events out.

export interface StreamEventOf<D = Record<string, unknown>> {
  /** stdout, stderr, dropped, restart, result or error */
  event: string;
  data: D;
  id: string | undefined;
}

export class SSEParser {
  private event = "";
  private data: string[] = [];
  private id: string | undefined;
  lastId: string | undefined;

  feed(line: string): StreamEventOf | undefined {
    if (line === "") {
      if (this.data.length === 0 && this.event === "") return undefined;
      const raw = this.data.join("\n");
      let data: Record<string, unknown>;
      try {
        const v: unknown = raw ? JSON.parse(raw) : {};
        data = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
      } catch {
        data = { raw };
      }
      const ev = { event: this.event || "message", data, id: this.id };
      if (this.id !== undefined) this.lastId = this.id;
      this.event = "";
      this.data = [];
      this.id = undefined;
      return ev;
    }
    if (line.startsWith(":")) return undefined; // keep-alive comment
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") this.event = value;
    else if (name === "data") this.data.push(value);
    else if (name === "id") this.id = value;
    return undefined;
  }
}

/** The lines of a fetch body, decoded as UTF-8 (a character split between chunks waits for its rest). */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        let line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        yield line;
      }
    }
    buf += decoder.decode();
    if (buf) yield buf;
  } finally {
    reader.releaseLock();
  }
}
