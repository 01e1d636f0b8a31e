/**
 * The stdio transport: JSON-RPC messages one per line, read from stdin, written to stdout. The
 * SDK's own line reader and writer, over Bun's stdin stream and exprag's blocking writes to fd 1
 * (as every command writes its data), instead of the SDK's StdioServerTransport: that one goes
 * through node's process.stdin, whose stream machinery takes longer to load than the rest of the
 * server takes to answer.
 */
import { serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { writeFully } from "../core/os/io";
import { LineSplitter, readLine } from "./jsonrpc-lines";

const readStdin = () => Bun.stdin.stream().getReader();
type StdinReader = ReturnType<typeof readStdin>;

export class StdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  private readonly lines = new LineSplitter();
  private reader: StdinReader | null = null;
  private closed = false;
  /** Requests read and not answered yet, by id (a client may reuse one): after stdin ends, the transport closes once all are. */
  private readonly unanswered = new Map<string | number, number>();
  private waiting = 0;
  private ended = false;

  async start(): Promise<void> {
    const reader = readStdin();
    this.reader = reader;
    void this.read(reader);
  }

  /** Reads until stdin ends (the client is done), then closes when every request has its answer. */
  private async read(reader: StdinReader): Promise<void> {
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        for (const line of this.lines.push(Buffer.from(chunk.value))) this.handle(line);
      }
      // A last line the client sent without its newline is a line all the same.
      const last = this.lines.end();
      if (last !== undefined) this.handle(last);
    } catch (error) {
      if (!this.closed) this.onerror?.(error as Error);
    }
    this.ended = true;
    if (this.waiting === 0) await this.close();
  }

  private handle(line: string | null): void {
    const outcome = readLine(line);
    if (outcome === null) return;
    if ("answer" in outcome) {
      // Malformed input: the client hears why, stderr says it too, and reading goes on with the next line.
      writeFully(1, Buffer.from(`${JSON.stringify(outcome.answer)}\n`));
      this.onerror?.(new Error(outcome.answer.error.message));
      return;
    }
    const { message } = outcome;
    if ("method" in message && "id" in message) {
      this.unanswered.set(message.id, (this.unanswered.get(message.id) ?? 0) + 1);
      this.waiting++;
    }
    this.onmessage?.(message);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    writeFully(1, Buffer.from(serializeMessage(message)));
    if (!("id" in message) || message.id === undefined || "method" in message) return;
    const count = this.unanswered.get(message.id);
    if (count === undefined) return;
    if (count > 1) this.unanswered.set(message.id, count - 1);
    else this.unanswered.delete(message.id);
    this.waiting--;
    if (this.ended && this.waiting === 0) await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    void this.reader?.cancel().catch(() => {});
    this.onclose?.();
  }
}
