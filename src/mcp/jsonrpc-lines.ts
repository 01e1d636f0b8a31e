/**
 * JSON-RPC over lines, read from untrusted bytes: every line is either a message for the server
 * or an error answer for the client (JSON-RPC 2.0: -32700 not JSON, -32600 no valid request,
 * -32602 params that are no object), so a request with an id always gets an answer and a client
 * never waits forever. A line over the limit is dropped up to its newline, and the line after it
 * is read as usual.
 */
import {
  CallToolRequestSchema,
  InitializeRequestSchema,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

/** The longest line read, as the SDK's own reader holds (10 MiB). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

export interface ErrorAnswer {
  jsonrpc: "2.0";
  id: string | number | null;
  error: { code: number; message: string };
}

export type LineOutcome = { message: JSONRPCMessage } | { answer: ErrorAnswer };

/** Splits bytes into lines, holding at most MAX_LINE_BYTES of one; an overlong line comes as null. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(private readonly limit = MAX_LINE_BYTES) {}

  *push(chunk: Buffer): Generator<string | null> {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      start = newline + 1;
      if (this.skipping || this.size + piece.length > this.limit) {
        this.reset();
        yield null;
        continue;
      }
      const line = this.parts.length ? Buffer.concat([...this.parts, piece]) : piece;
      this.reset();
      yield line.toString("utf8").replace(/\r$/, "");
    }
    const rest = chunk.subarray(start);
    if (this.skipping || rest.length === 0) return;
    if (this.size + rest.length > this.limit) {
      this.parts = [];
      this.size = 0;
      this.skipping = true;
      return;
    }
    this.parts.push(Buffer.from(rest));
    this.size += rest.length;
  }

  /** What is left once the input ended: a last line without its newline (null when it was overlong). */
  end(): string | null | undefined {
    const skipped = this.skipping;
    const rest = this.parts.length ? Buffer.concat(this.parts).toString("utf8").replace(/\r$/, "") : undefined;
    this.reset();
    return skipped ? null : rest;
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.skipping = false;
  }
}

const answer = (id: ErrorAnswer["id"], code: number, message: string): LineOutcome => ({ answer: { jsonrpc: "2.0", id, error: { code, message } } });

/** What one line is: a message to handle, an error to answer with, or nothing (a blank line). */
export function readLine(line: string | null): LineOutcome | null {
  if (line === null) return answer(null, INVALID_REQUEST, `Invalid Request: a line over ${MAX_LINE_BYTES} bytes was dropped`);
  if (line.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return answer(null, PARSE_ERROR, "Parse error: the line is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return answer(null, INVALID_REQUEST, "Invalid Request: a message is one JSON object (batches are not supported)");
  }
  const object = value as Record<string, unknown>;
  const validId = typeof object.id === "string" || Number.isSafeInteger(object.id);
  const id = validId ? (object.id as string | number) : null;
  if ("id" in object && !validId) return answer(null, INVALID_REQUEST, "Invalid Request: id must be a string or an integer");
  if (object.jsonrpc !== "2.0") return answer(id, INVALID_REQUEST, 'Invalid Request: jsonrpc must be "2.0"');
  if ("method" in object && typeof object.method !== "string") return answer(id, INVALID_REQUEST, "Invalid Request: method must be a string");
  if ("method" in object && "params" in object && (typeof object.params !== "object" || object.params === null || Array.isArray(object.params))) {
    // A notification (no id) is never answered, even when its params are wrong.
    return "id" in object ? answer(id, INVALID_PARAMS, "Invalid params: params must be an object") : null;
  }
  // Members JSON-RPC does not define are left out, not a reason to refuse the message.
  const known = Object.fromEntries(MEMBERS.filter((name) => name in object).map((name) => [name, object[name]]));
  const parsed = JSONRPCMessageSchema.safeParse(known);
  if (!parsed.success) return "method" in object || id !== null ? answer(id, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message") : null;
  // The server's own requests, checked here: the SDK would answer bad params as an internal error, with its whole report.
  const request = id !== null && typeof object.method === "string" && Object.hasOwn(REQUESTS, object.method) ? REQUESTS[object.method] : undefined;
  const checked = request?.safeParse(known);
  if (checked && !checked.success) {
    const issue = checked.error.issues[0];
    const path = issue?.path ?? [];
    const where = (path[0] === "params" && path.length > 1 ? path.slice(1) : path).join(".");
    return answer(id, INVALID_PARAMS, `Invalid params for ${object.method}: ${where ? `${where}: ` : ""}${issue?.message ?? "not as the protocol has them"}`);
  }
  return { message: parsed.data };
}

const MEMBERS = ["jsonrpc", "id", "method", "params", "result", "error"];

const REQUESTS: Record<
  string,
  { safeParse(value: unknown): { success: true } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }
> = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  "tools/list": ListToolsRequestSchema,
  "tools/call": CallToolRequestSchema,
};
