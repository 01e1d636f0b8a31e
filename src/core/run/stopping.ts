/**
 * Ending a command on exprag's own account: when a stop rule holds or the time limit passes, the
 * command's process group gets SIGTERM, and SIGKILL if it is still there after the grace.
 */
import { groupAlive } from "../os/processes";
import type { StoppedBy } from "../record/schema";
import type { RunFile } from "../record/writer";
import { stepOf } from "../rules/divergence";
import type { RunFacts } from "../rules/series-values";
import { StopRules } from "../rules/stop-rules";
import { type LongTimer, longTimeout } from "../time";
import type { RecordIngest, TrackObserver } from "./ingest";
import { PathProbe } from "./path-probe";
import { MAX_DEPTH } from "./plain-json";
import type { StopPolicy, StopReason } from "./stop-policy";

/** How often rules that read `elapsed` are checked while no record comes. */
const CLOCK_CHECK_MS = 50;
/** How often, once a stopped command exited, exprag looks whether anything of its group is left. */
const GROUP_CHECK_MS = 100;

/** Starts checking a run's stop rules on each track record it ingests, and its time limit, from the command's start. */
export function watchForStop(
  policy: StopPolicy,
  facts: RunFacts,
  run: { ingest: RecordIngest; runFile: RunFile },
  pid: number,
  startedAt: number,
  warn: (message: string) => void,
): CommandStopper {
  const stopper = new CommandStopper(policy, facts, pid, startedAt, warn);
  run.ingest.observer = stopper.observer(
    run.runFile.path,
    () => run.runFile.lastElapsedMs,
    () => run.ingest.divergence !== null,
  );
  return stopper;
}

export class CommandStopper {
  reason: StopReason | null = null;
  private readonly rules: StopRules | null;
  /** Cancels the time limit's timer and the clock rules' check. */
  private readonly cancels: (() => void)[] = [];
  private exited = false;
  private killTimer: LongTimer | null = null;
  private killSent = false;

  constructor(
    private readonly policy: StopPolicy,
    facts: RunFacts,
    private readonly pid: number,
    private readonly startedAt: number,
    private readonly warn: (message: string) => void,
  ) {
    this.rules = policy.rules.length ? new StopRules(policy.rules, facts) : null;
    if (policy.timeLimit) {
      const { ms, text } = policy.timeLimit;
      // Counted from the command's start: the stopper is made once what reads the output has loaded.
      const limit = longTimeout(
        () => this.stop({ status: "timeout", by: { rule: `--time-limit ${text}`, source: null, step: null, elapsed_ms: this.elapsed() } }),
        Math.max(0, ms - this.elapsed()),
      );
      this.cancels.push(limit.clear);
    }
    if (this.rules?.readsClock) {
      const clock = setInterval(() => {
        const by = this.rules!.tick(this.elapsed());
        if (by) this.stop({ status: "stopped", by });
      }, CLOCK_CHECK_MS);
      this.cancels.push(() => clearInterval(clock));
    }
  }

  /**
   * What reads the track records for the rules as they are recorded to `file` (null when no rule
   * reads records): `stamp` gives each record's elapsed_ms, `diverged` whether the run has diverged.
   */
  observer(file: string, stamp: () => number, diverged: () => boolean): TrackObserver | null {
    if (!this.rules) return null;
    return rulesObserver(this.rules, file, stamp, diverged, {
      stopped: () => this.reason !== null,
      stop: (by) => this.stop({ status: "stopped", by }),
    });
  }

  /**
   * The command has exited: no rule is checked any more. Once it was stopped, what is left of its
   * group (a child that ignored SIGTERM) still gets SIGKILL after the grace: exprag does not exit
   * before, unless the group is empty first.
   */
  dispose(): void {
    this.exited = true;
    for (const cancel of this.cancels) cancel();
    const timer = this.killTimer;
    // Not stopped, or the grace is over already (SIGKILL sent): nothing more to wait for.
    if (!timer || this.killSent) return;
    // exprag waits for that: until the group is empty (looked at every GROUP_CHECK_MS), or the grace ends.
    const check = setInterval(() => {
      if (this.groupAlive()) return;
      clearInterval(check);
      timer.clear();
    }, GROUP_CHECK_MS);
    this.cancels.push(() => clearInterval(check));
    if (!this.groupAlive()) {
      clearInterval(check);
      timer.clear();
    }
  }

  /** Whether any process of the command's group is left. */
  private groupAlive(): boolean {
    return groupAlive(this.pid);
  }

  private elapsed(): number {
    return Math.max(0, performance.now() - this.startedAt);
  }

  private stop(reason: StopReason): void {
    if (this.reason || this.exited) return;
    this.reason = reason;
    for (const cancel of this.cancels) cancel();
    const what =
      reason.status === "timeout"
        ? `its time limit (${reason.by.rule}) passed`
        : `rule ${JSON.stringify(reason.by.rule)} held${reason.by.source ? ` at ${reason.by.source}` : ""}`;
    this.warn(`stopping the command: ${what}; SIGTERM now, SIGKILL in ${this.policy.graceMs / 1000} s if it is still running`);
    this.signal("SIGTERM");
    this.killTimer = longTimeout(() => {
      this.killSent = true;
      this.signal("SIGKILL");
      for (const cancel of this.cancels) cancel();
    }, this.policy.graceMs);
  }

  /** To the command's whole process group: it leads one of its own (see spawnChild's ownGroup). */
  private signal(name: "SIGTERM" | "SIGKILL"): void {
    try {
      process.kill(-this.pid, name);
    } catch {
      // already gone
    }
  }
}

/**
 * What reads the track records recorded to `file` for `rules` (see CommandStopper.observer),
 * telling `run` when one holds; nothing is read once `run` says it stopped.
 */
export function rulesObserver(
  rules: StopRules,
  file: string,
  stamp: () => number,
  diverged: () => boolean,
  run: { stopped: () => boolean; stop: (by: StoppedBy) => void },
): TrackObserver {
  const probe = PathProbe.of(rules.values.paths, MAX_DEPTH);
  const stop = (by: StoppedBy | null) => {
    if (by) run.stop(by);
  };
  // The record being read, for closures made once (not per record): asked only when a rule holds.
  let line: Buffer = Buffer.alloc(0);
  let lineStart = 0;
  let lineEnd = 0;
  let lineNumber = 0;
  const source = () => `${file}:${lineNumber}`;
  const step = () => stepOf(JSON.parse(line.toString("utf8", lineStart, lineEnd)));
  if (probe) rules.bindProbe(probe);
  const observer: TrackObserver = {
    probe,
    // While no rule may hold, a line the probe finds quiet leaves them so (see StopRules.bindProbe).
    quiet: !rules.mayHold(),
    probed: (data, start, end, at) => {
      if (run.stopped()) return;
      rules.values.observeLine(data, probe!);
      observer.quiet = !rules.mayHold();
      if (observer.quiet) return;
      line = data;
      lineStart = start;
      lineEnd = end;
      lineNumber = at;
      stop(rules.check(source, stamp(), diverged(), step));
    },
    parsed: (value, at) => {
      if (run.stopped()) return;
      stop(rules.record(value, `${file}:${at}`, stamp(), diverged()));
      observer.quiet = !rules.mayHold();
    },
  };
  return observer;
}
