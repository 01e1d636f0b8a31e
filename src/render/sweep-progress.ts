/**
 * How the runs of a sweep show while they run, several at once: piped, every line of their
 * output prefixed with the run's short id; at a terminal, one status line per running run (its
 * short id, point, time so far, and its last metric or last line of output), redrawn in place
 * on stderr, with a line for each run as it ends. Their full output is in their logs either way.
 */
import { writeFully } from "../core/os/io";
import type { ActiveRun, SweepObserver } from "../core/sweep/execute";
import { describePoint } from "../core/sweep/points";
import { colors, wantsColor } from "./colors";
import { visible } from "./escape";
import { formatDuration } from "./format";

const NEWLINE = 0x0a;

/** Descriptors a write failed on (a reader that went away): the runs go on, their output is in their logs. */
const gone = new Set<number>();

function write(fd: number, bytes: Uint8Array): void {
  if (gone.has(fd)) return;
  try {
    writeFully(fd, bytes);
  } catch {
    gone.add(fd);
  }
}

/** Each line of a run's stdout and stderr, whole, with `<short id> ` before it. */
export class PrefixedOutput implements SweepObserver {
  private readonly partial = new Map<string, Buffer>();

  constructor(private readonly fds: { stdout: number; stderr: number }) {}

  started(): void {}

  output(active: ActiveRun, stream: "stdout" | "stderr", chunk: Uint8Array): void {
    const key = `${active.runId} ${stream}`;
    const bytes = Buffer.concat([this.partial.get(key) ?? Buffer.alloc(0), chunk]);
    const prefix = Buffer.from(`${active.shortId} `);
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE, start); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
      lines.push(prefix, bytes.subarray(start, end + 1));
      start = end + 1;
    }
    this.partial.set(key, bytes.subarray(start));
    if (lines.length) write(this.fds[stream], Buffer.concat(lines));
  }

  ended(active: ActiveRun): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const key = `${active.runId} ${stream}`;
      const rest = this.partial.get(key);
      this.partial.delete(key);
      if (rest?.length) write(this.fds[stream], Buffer.concat([Buffer.from(`${active.shortId} `), rest, Buffer.from("\n")]));
    }
  }
}

interface BoardLine {
  active: ActiveRun;
  lastLine: string;
  decoder: TextDecoder;
}

/** One line per running run at the bottom of the terminal, redrawn in place. */
export class StatusBoard implements SweepObserver {
  private readonly lines = new Map<string, BoardLine>();
  private drawn = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  /** `progress` gives a run's last metric (`metrics.acc=0.91`), or null when it has reported none. */
  constructor(
    private readonly progress: (active: ActiveRun) => string | null,
    private readonly fd = 2,
    refreshMs = 500,
  ) {
    this.timer = setInterval(() => this.draw(), refreshMs);
  }

  started(active: ActiveRun): void {
    this.lines.set(active.runId, { active, lastLine: "", decoder: new TextDecoder() });
    this.draw();
  }

  output(active: ActiveRun, _stream: "stdout" | "stderr", chunk: Uint8Array): void {
    const line = this.lines.get(active.runId);
    if (!line) return;
    const text = line.decoder.decode(chunk, { stream: true });
    const last = text
      .split("\n")
      .map((part) => Bun.stripANSI(part.slice(part.lastIndexOf("\r") + 1)).trim())
      .filter(Boolean)
      .at(-1);
    if (last) line.lastLine = last;
  }

  ended(active: ActiveRun, exitCode: number): void {
    this.lines.delete(active.runId);
    const how = exitCode === 0 ? "ended ok" : `ended, exit ${exitCode}`;
    const text = fit(
      visible(`${active.shortId}  ${how}  ${describePoint(active.run.point)}  ${formatDuration(performance.now() - active.startedAt)}`),
      this.width(),
    );
    this.draw([this.dimId(active, text)]);
  }

  /** Stops redrawing and takes the status lines away. */
  close(): void {
    clearInterval(this.timer);
    this.lines.clear();
    this.draw();
  }

  private width(): number {
    return Math.max(20, (this.fd === 2 ? process.stderr.columns : process.stdout.columns) || 80) - 1;
  }

  /** The short id at the start of a line, dimmed when the terminal has colour. */
  private dimId(active: ActiveRun, text: string): string {
    if (!wantsColor(this.fd) || !text.startsWith(active.shortId)) return text;
    return colors(this.fd).dim(active.shortId) + text.slice(active.shortId.length);
  }

  private draw(finished: string[] = []): void {
    const board = [...this.lines.values()].map(({ active, lastLine }) => {
      const detail = this.progress(active) ?? lastLine;
      const head = `${active.shortId}  ${describePoint(active.run.point)}  ${formatDuration(performance.now() - active.startedAt)}`;
      return this.dimId(active, fit(visible(detail ? `${head}  ${detail}` : head), this.width()));
    });
    const erase = this.drawn ? `\x1b[${this.drawn}A\r\x1b[J` : "";
    const body = [...finished, ...board];
    this.drawn = board.length;
    if (!erase && !body.length) return;
    write(this.fd, Buffer.from(`${erase}${body.map((line) => `${line}\n`).join("")}`));
  }
}

/** Text cut to `width` columns, with an ellipsis when cut. */
function fit(text: string, width: number): string {
  if (Bun.stringWidth(text) <= width) return text;
  let cut = "";
  for (const char of text) {
    if (Bun.stringWidth(`${cut}${char}…`) > width) break;
    cut += char;
  }
  return `${cut}…`;
}
