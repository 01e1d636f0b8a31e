/**
 * What the operands of stop rules are for a run as its records come, each kept up to date one
 * record at a time (no record is read twice): a tracked path its latest value, an aggregate its
 * running figure, `diverged` and `elapsed` as the run says, params and metadata as it started.
 */
import { RUN_FIELDS } from "../query/run-fields";
import { single, trackedSteps } from "../query/selection";
import { SeriesAccumulator } from "../query/series";
import { asNumber, type PathStep, valuesAt } from "../query/value-paths";
import { ELAPSED, type Operand } from "../query/where";
import { shortId } from "../record/refs";

/** What the run is apart from its records. */
export interface RunFacts {
  runId: string;
  name: string;
  params: Record<string, unknown>;
  metadata: Record<string, unknown>;
  tags: string[];
}

/** Where a record line holds the tracked paths' values, in the order of `paths` (see PathProbe). */
export interface FoundValues {
  /** Per path: where its value starts and ends in the line; start -1 when the line has none. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Per path whose value is a number: where its integer digits end, and where its exponent starts (its end without one). */
  readonly integerEnds: Int32Array;
  readonly exponentStarts: Int32Array;
  value(line: Buffer, index: number): unknown;
}

/** What alone reads a tracked path (see `watch`): told each time the path takes a value. */
export interface PathWatcher {
  /**
   * The path's value is now the JSON number `line[start..end)`, which is not read into `latest`;
   * its integer digits end at `integerEnd`, its exponent starts at `exponentStart` (`end` without one).
   */
  number(line: Uint8Array, start: number, integerEnd: number, exponentStart: number, end: number): void;
  /** The path's value is now `latest`. */
  changed(): void;
}

export interface TrackedPath {
  steps: PathStep[];
  /** The latest value; while `watchers` are set, not kept up to date for numbers in lines (they are told instead). */
  latest: unknown;
  series: SeriesAccumulator | null;
  watchers: PathWatcher[] | null;
}

export class SeriesValues {
  /** The first tracked number that was NaN or infinite has been seen. */
  diverged = false;
  /** Milliseconds since the command started. */
  elapsedMs = 0;
  private readonly tracked: TrackedPath[] = [];
  private readonly resolvers = new Map<string, () => unknown>();
  /** Operands whose value is a tracked path's latest value whenever that path has one. */
  private readonly latestOf = new Map<string, TrackedPath>();

  constructor(operands: Operand[], facts: RunFacts) {
    for (const operand of operands) this.resolvers.set(operand.text, this.resolverOf(operand, facts));
  }

  /** Whether any operand reads the clock (then the rules are also checked while no record comes). */
  get readsClock(): boolean {
    return this.resolvers.has(ELAPSED);
  }

  /** A track record's value arrived. */
  observe(value: unknown): void {
    for (const path of this.tracked) {
      const found = valuesAt(value, path.steps);
      if (!found.length) continue;
      path.latest = single(found);
      if (path.watchers) for (const watcher of path.watchers) watcher.changed();
      if (!path.series) continue;
      for (const item of found) {
        const n = asNumber(item);
        if (n !== null) path.series.add(n);
      }
    }
  }

  /** The tracked paths, in the order `observeLine` takes their values. */
  get paths(): PathStep[][] {
    return this.tracked.map((path) => path.steps);
  }

  /** A track record arrived in `line`, its values at the tracked paths where `found` says. */
  observeLine(line: Buffer, found: FoundValues): void {
    const starts = found.starts;
    for (let i = 0; i < this.tracked.length; i++) {
      const start = starts[i]!;
      if (start < 0) continue;
      const path = this.tracked[i]!;
      const watchers = path.watchers;
      const first = line[start]!;
      if (watchers !== null && (first === 0x2d || (first >= 0x30 && first <= 0x39))) {
        const integerEnd = found.integerEnds[i]!;
        const exponentStart = found.exponentStarts[i]!;
        const end = found.ends[i]!;
        for (let w = 0; w < watchers.length; w++) watchers[w]!.number(line, start, integerEnd, exponentStart, end);
        continue;
      }
      const value = found.value(line, i);
      path.latest = value;
      if (watchers !== null) for (const watcher of watchers) watcher.changed();
      const n = path.series && asNumber(value);
      if (n !== null && n !== undefined) path.series!.add(n);
    }
  }

  /** Where `path` stands in `paths`. */
  indexOf(path: TrackedPath): number {
    return this.tracked.indexOf(path);
  }

  /** The tracked path whose latest value `operand` reads whenever the path has one; null for any other operand. */
  trackedPath(operand: Operand): TrackedPath | null {
    return this.latestOf.get(operand.text) ?? null;
  }

  /**
   * `watcher` is told of each value `path` takes; a path only watchers read (none of its
   * operands resolved any other way, no aggregate of it) has its numbers in lines left unread.
   */
  watch(path: TrackedPath, watcher: PathWatcher): void {
    path.watchers ??= [];
    path.watchers.push(watcher);
  }

  resolve(operand: Operand): unknown {
    return this.resolvers.get(operand.text)?.();
  }

  /** What `resolve(operand)` calls, to be asked once rather than per record. */
  resolver(operand: Operand): () => unknown {
    return this.resolvers.get(operand.text) ?? (() => undefined);
  }

  private track(steps: PathStep[], aggregated: boolean): TrackedPath {
    const key = JSON.stringify(steps);
    let path = this.tracked.find((known) => JSON.stringify(known.steps) === key);
    if (!path) {
      path = { steps, latest: undefined, series: null, watchers: null };
      this.tracked.push(path);
    }
    if (aggregated) path.series ??= new SeriesAccumulator();
    return path;
  }

  /** As `resolveOperand` reads a finished run (see selection.ts), from what has come so far. */
  private resolverOf(operand: Operand, facts: RunFacts): () => unknown {
    const segments = operand.segments;
    const head = segments[0] && "key" in segments[0] ? segments[0].key : null;
    const aggregate = operand.aggregate;
    if (aggregate) {
      const series = this.track(trackedSteps(operand), true).series!;
      return () => (aggregate === "count" ? series.count : (series.value(aggregate) ?? undefined));
    }
    if (head === "params") return constant(single(valuesAt(facts.params, segments.slice(1))));
    if (head === "meta") return constant(single(valuesAt(facts.metadata, segments.slice(1))));
    if (head === "value") {
      const path = this.track(segments.slice(1), false);
      this.latestOf.set(operand.text, path);
      return () => path.latest;
    }
    if (segments.length === 1 && head !== null && RUN_FIELDS.includes(head)) {
      if (head === "diverged") return () => this.diverged;
      if (head === ELAPSED) return () => this.elapsedMs / 1000;
      if (head === "id") return constant(facts.runId);
      if (head === "short_id") return constant(shortId(facts.runId));
      if (head === "name") return constant(facts.name);
      if (head === "tags") return constant(facts.tags);
      return constant(undefined);
    }
    const path = this.track(segments, false);
    this.latestOf.set(operand.text, path);
    const otherwise = single(valuesAt(facts.metadata, segments)) ?? single(valuesAt(facts.params, segments));
    return () => path.latest ?? otherwise;
  }
}

const constant = (value: unknown) => () => value;
