/**
 * One run as the questions about it need it, each fact read once and only when asked for: its
 * summary (first line and tail), its run_start, its tags and notes, its merged metadata, the
 * last value of a path, and aggregates over a path's series. Facts that need every record
 * (aggregates; metadata when `$meta` records exist) come from one pass over the file.
 */
import { type AnnotationListing, type Annotations, readAnnotations } from "../record/annotations";
import { decodeEnvelope, decodeMeta, decodeParams, decodeRunStart, type JsonObject, parseRecord, type RunStart } from "../record/decode";
import { decodeEnvironment, trackedValue } from "../record/decode-context";
import { type OpenedFile, readRunStart } from "../record/reader";
import { type EnvironmentValue, type RunState, UNENDED_STATES } from "../record/schema";
import { TailReader } from "../record/tail-reader";
import { WHOLE_FILE_BYTES, withWholeFile } from "../record/whole-file";
import { runFilePath } from "../store";
import { mergeMetadata } from "./metadata";
import { readable, recordsOf, skippedLineWarning, type Warn } from "./records";
import { SeriesAccumulator, type SeriesStats, statsOf } from "./series";
import { seriesCache } from "./series-cache";
import { SeriesProbe } from "./series-probe";
import { lastFromMetrics, metricKey, type RunSummary, readRunSummary } from "./summary";
import { asNumber, type PathStep, pathKey, searchKey, valuesAt } from "./value-paths";

export type { SeriesStats };

/** States of a run whose file may still grow (unknown: no run_end, and no way to tell whether its writer lives). */
const UNENDED: readonly RunState[] = [...UNENDED_STATES, "unknown"];

export class RunView {
  readonly file: string;
  private summaryRead = false;
  private summaryValue: RunSummary | null = null;
  private startValue: RunStart | null | undefined;
  private annotationsValue: Annotations | undefined;
  private metadataValue: JsonObject | undefined;
  private environmentValue: EnvironmentValue | null | undefined;
  private paramsValue: JsonObject | undefined;
  private readonly lasts = new Map<string, unknown[] | undefined>();
  private readonly stats = new Map<string, SeriesStats>();
  /** The first line the cache says a read of the file skipped (0: none), until a series from the cache is used. */
  private cachedSkip = 0;
  /** The run file while `withFile` holds it open: the summary and a scan read it from there. */
  private opened: OpenedFile | undefined;

  constructor(
    readonly store: string,
    readonly runId: string,
    private readonly warn: Warn,
    /** The store's annotation files, listed once for every run of a selection. */
    private readonly annotationListing?: AnnotationListing,
  ) {
    this.file = runFilePath(store, runId);
  }

  /**
   * Runs `read` with the run file opened once, read whole when small: the summary and a scan asked
   * for inside it come from that one read (a question that needs every line needs its ends too).
   * The series of `paths` the cache holds for the file as it is are taken from there; when it
   * holds them all, the file is not read whole (only its ends, for the summary).
   */
  withFile<T>(read: () => T, paths: PathStep[][] = []): T {
    const readWhole = (opened: OpenedFile) => !paths.length || !this.fromCache(paths, opened.key);
    return withWholeFile(
      this.file,
      (opened) => {
        this.opened = opened;
        try {
          return read();
        } finally {
          this.opened = undefined;
        }
      },
      WHOLE_FILE_BYTES,
      { keyed: true, readWhole },
    );
  }

  /**
   * Takes from the cache the series of `paths` it holds for the opened file; answers whether it
   * held them all. When it spares a read of the file, it warns as that read would have.
   */
  private fromCache(paths: PathStep[][], key: string | undefined): boolean {
    const cache = key === undefined ? undefined : seriesCache(this.store);
    let all = true;
    let skipped = 0;
    let taken = 0;
    for (const steps of paths) {
      const path = pathKey(steps);
      if (this.stats.has(path)) continue;
      const cached = cache?.get(this.runId, key!, path);
      if (cached) {
        this.stats.set(path, statsOf(cached.state));
        skipped = cached.skipped;
        taken++;
      } else all = false;
    }
    // Warned of when a series is used, as the read it spares would: not for a run a filter drops.
    if (all && taken && skipped) this.cachedSkip = skipped;
    return all;
  }

  private warnCachedSkip(): void {
    if (!this.cachedSkip) return;
    this.warn(skippedLineWarning(this.file, this.cachedSkip));
    this.cachedSkip = 0;
  }

  /** The `ls` line of the run; null when the file is not a run file (warned about). */
  summary(): RunSummary | null {
    if (!this.summaryRead) {
      this.summaryRead = true;
      const read = readable(this.store, this.runId, this.warn, () => readRunSummary(this.store, this.runId, this.warn, true, true, this.opened));
      this.summaryValue = read?.summary ?? null;
      // The same read decoded run_start: asking for it later opens nothing.
      this.startValue ??= read?.start ?? null;
    }
    return this.summaryValue;
  }

  start(): RunStart | null {
    if (this.startValue === undefined) {
      const first = readRunStart(this.file);
      this.startValue = first ? decodeRunStart(first) : null;
    }
    return this.startValue;
  }

  annotations(): Annotations {
    this.annotationsValue ??= readAnnotations(this.file, this.start()?.queued?.tags, this.annotationListing);
    return this.annotationsValue;
  }

  /** The notes given to the run later (`exprag note`): the conclusions drawn from it. */
  notes(): string[] {
    return this.annotations().notes.map((note) => note.text);
  }

  /**
   * The params read from the command line, with those the program reported (`params` records) over
   * them. A finished run's counts say whether it has such records (the Python hook's, or any
   * program's `$params`); when they cannot say (a run still going, or one that never ended), the
   * file is read. Runs recorded before params records were counted have them only with the hook.
   */
  params(): JsonObject {
    if (this.paramsValue === undefined) {
      if (this.paramsInFile()) this.scan([]);
      else this.paramsValue = this.start()?.params ?? {};
    }
    return this.paramsValue ?? {};
  }

  private paramsInFile(): boolean {
    const counts = this.summary()?.counts;
    return Boolean(this.start()?.paramsHook || !counts || (counts.params ?? 0) > 0);
  }

  /**
   * `--meta` merged with every `$meta` record. A finished run's counts say whether it has any: when
   * it has none (the usual case), run_start alone answers, and the file is not read again.
   */
  metadata(): JsonObject {
    if (this.metadataValue === undefined) {
      if (this.metadataInFile()) this.scan([]);
      else this.metadataValue = this.start()?.metadata ?? {};
    }
    return this.metadataValue ?? {};
  }

  private metadataInFile(): boolean {
    return this.summary()?.counts?.meta !== 0;
  }

  /**
   * The run's environment: run_start's (Python), with its `environment` record (GPUs) when
   * `withRecord`; that record is looked for from the file's start (read through when there is none).
   */
  environment(withRecord: boolean): EnvironmentValue {
    const fromStart = this.start()?.environment ?? {};
    if (!withRecord) return fromStart;
    if (this.environmentValue === undefined) {
      let found: EnvironmentValue | null = null;
      recordsOf(
        this.file,
        this.warn,
        (record) => {
          if (decodeEnvelope(record).kind !== "environment") return;
          found = decodeEnvironment(record.value);
          return false;
        },
        '"kind":"environment"',
      );
      this.environmentValue = found;
    }
    return { ...fromStart, ...this.environmentValue };
  }

  /** The values at a path in the run's last track record that has it; undefined when none has. */
  lastValues(steps: PathStep[]): unknown[] | undefined {
    const key = pathKey(steps);
    if (this.lasts.has(key)) return this.lasts.get(key);
    // The summary already read the tail: a numeric path it holds needs no second read.
    const metrics = this.summaryRead ? this.summaryValue?.metrics : undefined;
    const found = (metrics && lastFromMetrics(metrics, metricKey(steps))) ?? this.findLast(steps);
    this.lasts.set(key, found);
    return found;
  }

  /** Aggregates over every number at a path; counts 0 when the run never reported it. */
  seriesStats(steps: PathStep[]): SeriesStats {
    const key = pathKey(steps);
    if (!this.stats.has(key)) this.scan([steps]);
    this.warnCachedSkip();
    return this.stats.get(key)!;
  }

  /**
   * Reads every record once: metadata from `$meta` records, and the series of `paths`, those the
   * cache holds for the file as it is taken from there. An ended run's series read are kept in
   * the cache.
   */
  scan(paths: PathStep[][]): void {
    if (paths.length && !this.opened) {
      this.withFile(() => this.scan(paths), paths);
      return;
    }
    this.fromCache(paths, this.opened?.key);
    this.warnCachedSkip();
    const wanted = paths.filter((steps) => !this.stats.has(pathKey(steps)));
    // Metadata and params come along when the file is read anyway, when the summary already read
    // says they need it: so they are the same whether a series was read from the file, from the
    // cache, or not at all (metadata() and params() ask the summary themselves).
    const needMetadata = this.metadataValue === undefined && this.summaryRead && this.metadataInFile();
    const needParams = this.paramsValue === undefined && this.summaryRead && this.paramsInFile();
    if (!wanted.length && (paths.length || (!needMetadata && !needParams))) return;
    const builders = wanted.map((steps) => ({ steps, key: pathKey(steps), series: new SeriesAccumulator() }));
    let metadata: JsonObject = mergeMetadata({}, this.start()?.metadata ?? {});
    let params: JsonObject = mergeMetadata({}, this.start()?.params ?? {});
    // Most lines are read from their bytes, never parsed: all but those of the kinds merged here.
    const parsed = [...(needMetadata ? ["meta"] : []), ...(needParams ? ["params"] : [])];
    const probe = SeriesProbe.of(wanted, parsed);
    const add = (index: number, n: number) => builders[index]!.series.add(n);
    const skipped = recordsOf(
      this.file,
      this.warn,
      (record) => {
        const envelope = decodeEnvelope(record);
        if (envelope.kind === "meta" && needMetadata) metadata = mergeMetadata(metadata, decodeMeta(record));
        if (envelope.kind === "params" && needParams) params = mergeMetadata(params, decodeParams(record));
        const tracked = trackedValue(envelope.kind, envelope.value);
        if (tracked === undefined) return;
        for (const builder of builders) {
          for (const value of valuesAt(tracked, builder.steps)) {
            const n = asNumber(value);
            if (n !== null) builder.series.add(n);
          }
        }
      },
      null,
      probe ? (bytes, start, end) => probe.read(bytes, start, end, add) : undefined,
      this.opened,
    );
    if (needMetadata) this.metadataValue = metadata;
    if (needParams) this.paramsValue = params;
    for (const builder of builders) this.stats.set(builder.key, builder.series.stats());
    const key = this.opened?.key;
    if (builders.length && key !== undefined && this.hasEnded()) {
      seriesCache(this.store).put(
        this.runId,
        key,
        skipped,
        builders.map((builder) => [builder.key, builder.series.state()]),
      );
    }
  }

  /** Whether the summary already read says the run file is done being written (a running run's changes with every record). */
  private hasEnded(): boolean {
    const status = this.summaryRead ? this.summaryValue?.status : undefined;
    return status !== undefined && !UNENDED.includes(status);
  }

  private findLast(steps: PathStep[]): unknown[] | undefined {
    const key = searchKey(steps);
    const tail = new TailReader(this.file);
    try {
      for (let line = tail.previous(); line !== null; line = tail.previous()) {
        if (key && !line.includes(key)) continue;
        const record = parseRecord(line);
        const tracked = record ? trackedValue(decodeEnvelope(record).kind, record.value) : undefined;
        if (tracked === undefined) continue;
        const found = valuesAt(tracked, steps);
        if (found.length) return found;
      }
    } finally {
      tail.close();
    }
    return undefined;
  }
}
