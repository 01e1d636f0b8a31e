/**
 * Signals for the whole run: relayed to the command, remembered before it starts, and kept
 * ignored where the user ignored them (nohup).
 */
import { closeSync, openSync } from "node:fs";
import os from "node:os";
import type { Subprocess } from "bun";
import { isForegroundOfTerminal, isSignalIgnored } from "../os/posix";
import { RUNTIME_IGNORED_SIGNALS } from "../os/signals";

export { RUNTIME_IGNORED_SIGNALS };

const FORWARDED_SIGNALS = ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;
const RELAYED_SIGNALS = ["SIGINT", ...FORWARDED_SIGNALS] as const;
export type SignalName = (typeof RELAYED_SIGNALS)[number];
/** Signals a terminal sends to its whole foreground process group, the child included. */
const KEYBOARD_SIGNALS = new Set<string>(["SIGINT", "SIGQUIT"]);

export const signalNumber = (name: string): number => os.constants.signals[name as NodeJS.Signals] ?? 0;

/**
 * Relays SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child. Ctrl-C and Ctrl-\
 * at the terminal already reached the child, so they are not sent again. Signals the user
 * ignored when exprag started (nohup) stay ignored, here and in the child. A signal before the
 * child starts is remembered: the run then ends without starting it.
 */
export class SignalRelay {
  readonly ignored: SignalName[];
  received: SignalName | null = null;
  interrupted = false;
  /** A signal asked the run to end (INT, TERM, HUP or QUIT, not USR1/USR2). */
  stopRequested = false;
  private child: Subprocess | null = null;
  private finished = false;
  private readonly handlers: [SignalName, () => void][] = [];

  constructor() {
    this.ignored = RELAYED_SIGNALS.filter((name) => isSignalIgnored(signalNumber(name)));
    for (const name of RELAYED_SIGNALS) {
      if (this.ignored.includes(name)) continue;
      const handler = () => this.relay(name);
      process.on(name, handler);
      this.handlers.push([name, handler]);
    }
  }

  attach(child: Subprocess): void {
    this.child = child;
  }

  /** The child has exited: later signals only let the run finish. */
  detach(): void {
    this.child = null;
    this.finished = true;
  }

  remove(): void {
    for (const [name, handler] of this.handlers) process.off(name, handler);
  }

  private relay(name: SignalName): void {
    if (name !== "SIGUSR1" && name !== "SIGUSR2") this.stopRequested = true;
    if (this.finished) return;
    if (name === "SIGINT") this.interrupted = true;
    if (!this.child) {
      this.received ??= name;
      return;
    }
    if (KEYBOARD_SIGNALS.has(name) && inForegroundOfTerminal()) return;
    this.child.kill(name);
  }
}

/** Whether exprag is in the foreground process group of its controlling terminal, wherever fds 0-2 point. */
function inForegroundOfTerminal(): boolean {
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
