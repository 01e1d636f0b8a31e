/**
 * Signals for a whole sweep: relayed to every run still running, and a stop signal (INT, TERM,
 * HUP, QUIT) also means no new run starts. As for one run, Ctrl-C and Ctrl-\ at the terminal
 * already reached every run (they share exprag's process group), so they are not sent twice,
 * and signals ignored when the sweep started (nohup) stay ignored, here and in the runs.
 */
import type { Subprocess } from "bun";
import { type Platform, platform } from "../os/platform";
import { deliveredByTerminal, inForegroundOfTerminal, listenForSignals, type SignalName } from "../run/signals";

const STOP_SIGNALS = new Set<SignalName>(["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]);

export class SweepSignals {
  /** Signals ignored when the sweep started: each run is started with them ignored too. */
  readonly ignored: SignalName[];
  /** The first stop signal that arrived. */
  stoppedBy: SignalName | null = null;
  private interrupts = 0;
  private readonly running = new Set<Subprocess>();
  private readonly listening: ReturnType<typeof listenForSignals>;

  constructor(
    private readonly onStop: () => void,
    private readonly on: Platform = platform,
  ) {
    this.listening = listenForSignals((name) => this.relay(name), on);
    this.ignored = this.listening.ignored;
  }

  add(child: Subprocess): void {
    this.running.add(child);
  }

  delete(child: Subprocess): void {
    this.running.delete(child);
  }

  remove(): void {
    this.listening.stop();
  }

  private relay(name: SignalName): void {
    if (STOP_SIGNALS.has(name) && this.stoppedBy === null) {
      this.stoppedBy = name;
      this.onStop();
    }
    if (name === "SIGINT") this.interrupts++;
    if (deliveredByTerminal(name, this.interrupts, inForegroundOfTerminal, this.on)) return;
    for (const child of this.running) child.kill(name);
  }
}
