/**
 * A progress line on stderr for work that takes more than about a second (reading thousands of
 * runs): a spinner, what is being done, and how far it got. Only when stderr is a terminal, and
 * whatever the colour policy (it holds no colour); nothing at all through a pipe. The work is
 * synchronous, so the line is drawn from `step` calls, at most every 100 ms once the delay has
 * passed; `end` (and any message exprag writes meanwhile) clears it.
 */
import { writeSync } from "node:fs";
import { isTerminal, terminalSize } from "../core/os/posix";
import { visible } from "./escape";

const FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const REDRAW_MS = 100;
const DEFAULT_DELAY_MS = 1000;

export interface Progress {
  /** A step of the work, to tell how far it got: `done` of `total` items are done. */
  phase(label: string): (done: number, total: number) => void;
  /** The work is over: the line is cleared. */
  end(): void;
}

export interface ProgressOptions {
  /** Draw only once this much time has passed (default 1 s; EXPRAG_PROGRESS_DELAY_MS, for tests). */
  delayMs?: number;
  now?: () => number;
  write?: (text: string) => void;
  /** Whether stderr is a terminal. */
  terminal?: boolean;
  width?: number;
}

const NONE: Progress = { phase: () => () => {}, end() {} };

/** The line drawn now, so a message can clear it first. */
let drawn: { clear(): void } | null = null;

/** Clears a progress line, if one is drawn, before something else is written to stderr. */
export function clearProgress(): void {
  drawn?.clear();
}

export function startProgress(options: ProgressOptions = {}): Progress {
  if (!(options.terminal ?? isTerminal(2))) return NONE;
  const now = options.now ?? (() => performance.now());
  const write = options.write ?? ((text: string) => writeQuietly(text));
  const envDelay = Number(process.env.EXPRAG_PROGRESS_DELAY_MS);
  const delay = options.delayMs ?? (Number.isFinite(envDelay) && envDelay >= 0 ? envDelay : DEFAULT_DELAY_MS);
  const width = Math.max(10, (options.width ?? terminalSize(2)?.columns ?? 80) - 1);
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let frame = 0;
  let shown = 0;
  const line = {
    clear() {
      if (shown) write(`\r${" ".repeat(shown)}\r`);
      shown = 0;
      drawn = null;
    },
  };
  return {
    phase: (label) => (done, total) => {
      const time = now();
      if (time - started < delay || time - lastDraw < REDRAW_MS) return;
      lastDraw = time;
      const text = `${FRAMES[frame++ % FRAMES.length]} ${label} ${done}/${total}`.slice(0, width);
      write(`\r${text}${" ".repeat(Math.max(0, shown - text.length))}`);
      shown = Math.max(shown, text.length);
      drawn = line;
    },
    end() {
      line.clear();
    },
  };
}

function writeQuietly(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr is gone: no progress to show
  }
}

/** git's progress as it draws it (`\r` redraws a line), every other control character escaped: a remote's words are untrusted. */
export function showGitProgress(text: string): void {
  writeQuietly(
    text
      .split(/([\r\n])/)
      .map((part) => (part === "\r" || part === "\n" ? part : visible(part)))
      .join(""),
  );
}
