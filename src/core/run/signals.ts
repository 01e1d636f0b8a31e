/**
 * Signals for the whole run: relayed to the command, remembered before it starts, and kept
 * ignored where the user ignored them (nohup).
 */
import { closeSync, openSync } from "node:fs";
import os from "node:os";
import type { Subprocess } from "bun";
import { type Platform, platform, type RelayedSignal } from "../os/platform";
import { isForegroundOfTerminal, isSignalIgnored } from "../os/posix";
import { RUNTIME_IGNORED_SIGNALS } from "../os/signals";

export { RUNTIME_IGNORED_SIGNALS };

export type SignalName = RelayedSignal;
/** Signals a terminal sends to its whole foreground process group, the child included. */
const KEYBOARD_SIGNALS = new Set<string>(["SIGINT", "SIGQUIT"]);

/** A Ctrl-C this long before the command ends counts as having ended it. */
const INTERRUPT_WINDOW_MS = 60_000;

export const signalNumber = (name: string): number => os.constants.signals[name as NodeJS.Signals] ?? Number(/^SIG(\d+)$/.exec(name)?.[1] ?? 0);

/**
 * The signal that ended a child, by name; null when it exited. The runtime names the usual ones
 * and gives a real-time signal (Linux's 34 to 64) by its number alone: that one is `SIG34`.
 */
export function endingSignal(child: { signalCode: unknown }): string | null {
  const code = child.signalCode;
  if (typeof code === "string") return code;
  return typeof code === "number" && code > 0 ? `SIG${code}` : null;
}

/**
 * Whether the terminal already gave signal `name` to the command too, so it is not sent again:
 * a Ctrl-C or Ctrl-\ reaches the terminal's foreground group (exprag's, when `inForeground`), or
 * every process on a Windows console. A second SIGINT (`interrupts` counts them) is passed on
 * whatever its source (as uv run does), so a kill -INT to exprag alone is never swallowed.
 */
export function deliveredByTerminal(name: SignalName, interrupts: number, inForeground: () => boolean, on: Platform = platform): boolean {
  if (!KEYBOARD_SIGNALS.has(name) || (name === "SIGINT" && interrupts > 1)) return false;
  return on.keyboardSignalsReach === "every-console-process" || inForeground();
}

/**
 * Relays SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child (on Windows only
 * SIGINT and SIGTERM). Ctrl-C and Ctrl-\ at the terminal already reached the child, so they are
 * not sent again. Signals the user ignored when exprag started (nohup) stay ignored, here and in
 * the child. A signal before the child starts is remembered: the run then ends without starting it.
 */
/**
 * Listens for every relayed signal of platform `on` that was not ignored when exprag started
 * (nohup), calling `relay` with its name; `ignored` lists the others, `stop` ends the listening.
 */
export function listenForSignals(relay: (name: SignalName) => void, on: Platform = platform): { ignored: SignalName[]; stop(): void } {
  const ignored = on.signals.filter((name) => isSignalIgnored(signalNumber(name)));
  const handlers = on.signals.filter((name) => !ignored.includes(name)).map((name) => [name, () => relay(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  return {
    ignored,
    stop() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

export class SignalRelay {
  readonly ignored: SignalName[];
  received: SignalName | null = null;
  /** A SIGINT was sent to the command by exprag itself. */
  private forwardedInterrupt = false;
  /** When a SIGINT arrived that the terminal also gave the command (Ctrl-C), and how many came. */
  private terminalInterruptAt: number | null = null;
  private interrupts = 0;
  /** A signal asked the run to end (INT, TERM, HUP or QUIT, not USR1/USR2). */
  stopRequested = false;
  private child: Subprocess | null = null;
  private finished = false;
  private readonly listening: ReturnType<typeof listenForSignals>;
  private childOwnsTerminal = false;

  constructor(private readonly on: Platform = platform) {
    this.listening = listenForSignals((name) => this.relay(name), on);
    this.ignored = this.listening.ignored;
  }

  /**
   * The child to relay to. One with a terminal of its own (`run --pty`) is in another session:
   * no keyboard signal of exprag's terminal reaches it, so every signal is passed on.
   */
  attach(child: Subprocess, ownTerminal = false): void {
    this.child = child;
    this.childOwnsTerminal = ownTerminal;
  }

  /** The child has exited: later signals only let the run finish. */
  detach(): void {
    this.child = null;
    this.finished = true;
  }

  remove(): void {
    this.listening.stop();
  }

  /**
   * Whether a SIGINT reached the command: exprag sent it one, or a Ctrl-C at the terminal (which
   * reaches the whole foreground group) came less than INTERRUPT_WINDOW_MS before it ended. A
   * `kill -INT` to exprag alone that was not passed on does not make a later end interrupted.
   */
  interruptReachedCommand(exitedAt: number): boolean {
    if (this.forwardedInterrupt) return true;
    return this.terminalInterruptAt !== null && exitedAt - this.terminalInterruptAt <= INTERRUPT_WINDOW_MS;
  }

  private relay(name: SignalName): void {
    if (name !== "SIGUSR1" && name !== "SIGUSR2") this.stopRequested = true;
    if (this.finished) return;
    if (!this.child) {
      this.received ??= name;
      return;
    }
    if (name === "SIGINT") this.interrupts++;
    if (!this.childOwnsTerminal && deliveredByTerminal(name, this.interrupts, inForegroundOfTerminal, this.on)) {
      if (name === "SIGINT") this.terminalInterruptAt = performance.now();
      return;
    }
    if (name === "SIGINT") this.forwardedInterrupt = true;
    // A command in a session of its own gets an ending signal as a terminal gives one: to its whole
    // group (a wrapper script's children too), which it leads. USR1 and USR2 (a checkpoint asked
    // for) are the command's own to handle, as without a session of its own.
    if (this.childOwnsTerminal && this.on.name !== "win32" && name !== "SIGUSR1" && name !== "SIGUSR2") {
      try {
        process.kill(-this.child.pid, name);
        return;
      } catch {
        // its group is gone: the child alone, if it is still there
      }
    }
    this.child.kill(name);
  }
}

/** Whether exprag is in the foreground process group of its controlling terminal, wherever fds 0-2 point. */
export function inForegroundOfTerminal(): boolean {
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r");
  } catch {
    return false; // no controlling terminal
  }
  try {
    return isForegroundOfTerminal(fd);
  } finally {
    closeSync(fd);
  }
}
