/**
 * `exprag run --pty`: the command gets a pseudo-terminal instead of pipes, so tqdm, rich, pip and
 * colour output look as they do without exprag. Its stdout and stderr then share one stream (the
 * terminal), which exprag reads as the command's stdout: magic lines are still found and hidden,
 * and the log keeps what was shown. exprag's own stdin goes to the terminal (raw, when it is a
 * terminal itself, so Ctrl-C and friends reach the command as keys), and window-size changes
 * follow.
 */
import type tty from "node:tty";

/** node:tty, loaded only for a run with --pty: loading it costs milliseconds of every run's start-up. */
const ttyModule = () => require("node:tty") as typeof tty;

/** A readable stream fed by the terminal's data callback, ended when the terminal closes. */
export function terminalStream(): { stream: ReadableStream<Uint8Array>; push: (chunk: Uint8Array) => void; end: () => void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    stream,
    push: (chunk) => {
      if (!ended) controller.enqueue(new Uint8Array(chunk));
    },
    end: () => {
      if (ended) return;
      ended = true;
      controller.close();
    },
  };
}

/** The size of exprag's own terminal, when it has one; else 80x24. */
export function windowSize(): { cols: number; rows: number } {
  const tty = ttyModule();
  for (const fd of [1, 2, 0]) {
    if (!tty.isatty(fd)) continue;
    const stream = fd === 0 ? null : new tty.WriteStream(fd);
    const [cols, rows] = stream?.getWindowSize?.() ?? [80, 24];
    return { cols, rows };
  }
  return { cols: 80, rows: 24 };
}

/**
 * Connects exprag's stdin to the command's terminal and its window size to the terminal's, until
 * the returned function is called. Piped input ends with an end-of-file key (^D).
 */
export function connectTerminal(terminal: Bun.Terminal): () => void {
  const input = process.stdin;
  const interactive = ttyModule().isatty(0);
  if (interactive) (input as tty.ReadStream).setRawMode(true);
  let lineOpen = false;
  const onData = (chunk: Buffer) => {
    if (chunk.length) lineOpen = chunk[chunk.length - 1] !== 0x0a;
    terminal.write(chunk);
  };
  // ^D ends the input only at the start of a line. After a partial one, the first hands that line
  // over, and a reader of lines (Python's readlines) asks twice more, as a user then presses it.
  const onEnd = () => {
    for (let i = lineOpen ? 3 : 1; i > 0; i--) terminal.write("\x04");
  };
  const onResize = () => {
    const { cols, rows } = windowSize();
    terminal.resize(cols, rows);
  };
  input.on("data", onData);
  input.on("end", onEnd);
  process.on("SIGWINCH", onResize);
  return () => {
    input.off("data", onData);
    input.off("end", onEnd);
    process.off("SIGWINCH", onResize);
    if (interactive) (input as tty.ReadStream).setRawMode(false);
    input.pause();
    input.destroy();
  };
}
