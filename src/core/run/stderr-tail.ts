/**
 * The end of a command's stderr, kept for run_end (the last 20 lines, at most 4 KiB), and the one
 * line that says why it failed: the last line of a Python traceback, else the last line that
 * names an error, else the last line.
 */
const MAX_BYTES = 4096;
const MAX_LINES = 20;
const MAX_ERROR_CHARS = 300;

export class StderrTail {
  private kept = Buffer.alloc(0);

  push(bytes: Uint8Array): void {
    const joined =
      this.kept.length + bytes.length <= MAX_BYTES * 2 ? Buffer.concat([this.kept, bytes]) : Buffer.from(bytes.subarray(Math.max(0, bytes.length - MAX_BYTES)));
    this.kept = joined.length > MAX_BYTES ? Buffer.from(joined.subarray(joined.length - MAX_BYTES)) : joined;
  }

  /** The last lines, decoded (invalid UTF-8 replaced), progress-bar rewrites taken as their last state. */
  lines(): string[] {
    const text = this.kept.toString("utf8");
    // The first line may be cut by the byte bound: it is dropped unless it is all there is.
    const all = text.split("\n").map((line) => line.slice(line.lastIndexOf("\r") + 1));
    const whole = this.kept.length >= MAX_BYTES && all.length > 1 ? all.slice(1) : all;
    return whole.filter((line) => line.trim() !== "").slice(-MAX_LINES);
  }
}

const TRACEBACK = /^Traceback \(most recent call last\):/;
const NAMES_AN_ERROR = /(^|[\s[(])(\w*Error|\w*Exception|error|ERROR|fatal|FATAL|panic)\b[:!]/;

export function errorLine(lines: string[]): string | null {
  let chosen: string | undefined;
  const traceback = lines.findLastIndex((line) => TRACEBACK.test(line));
  if (traceback >= 0) chosen = lines.slice(traceback + 1).findLast((line) => !/^\s/.test(line));
  chosen ??= lines.findLast((line) => NAMES_AN_ERROR.test(line)) ?? lines.at(-1);
  if (chosen === undefined) return null;
  const trimmed = chosen.trim();
  return trimmed.length > MAX_ERROR_CHARS ? `${trimmed.slice(0, MAX_ERROR_CHARS)}…` : trimmed;
}
