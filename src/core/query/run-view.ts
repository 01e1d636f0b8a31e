/**
 * One run as the questions about it need it, each fact read once and only when asked for: its
 * summary (first line and tail), its run_start, its tags and notes, its merged metadata, the
 * last value of a path, and aggregates over a path's series. Facts that need every record
 * (aggregates; metadata when `$meta` records exist) come from one pass over the file.
 */
import { type Annotations, readAnnotations } from "../record/annotations";
import { decodeEnvelope, decodeMeta, decodeParams, decodeRunStart, type JsonObject, parseRecord, type RunStart } from "../record/decode";
import { readRunStart, TailReader } from "../record/reader";
import { runFilePath } from "../store";
import { mergeMetadata } from "./metadata";
import { recordsOf, type Warn } from "./records";
import { type RunSummary, summarizeRun } from "./summary";
import { asNumber, type PathStep, searchKey, valuesAt } from "./value-paths";

export interface SeriesStats {
  count: number;
  first: number | null;
  last: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
}

const pathKey = (steps: PathStep[]) => JSON.stringify(steps);

export class RunView {
  readonly file: string;
  private summaryRead = false;
  private summaryValue: RunSummary | null = null;
  private startValue: RunStart | null | undefined;
  private annotationsValue: Annotations | undefined;
  private metadataValue: JsonObject | undefined;
  private paramsValue: JsonObject | undefined;
  private readonly lasts = new Map<string, unknown[] | undefined>();
  private readonly stats = new Map<string, SeriesStats>();

  constructor(
    readonly store: string,
    readonly runId: string,
    private readonly warn: Warn,
  ) {
    this.file = runFilePath(store, runId);
  }

  /** The `ls` line of the run; null when the file is not a run file (warned about). */
  summary(): RunSummary | null {
    if (!this.summaryRead) {
      this.summaryRead = true;
      this.summaryValue = summarizeRun(this.store, this.runId, this.warn);
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
    this.annotationsValue ??= readAnnotations(this.file);
    return this.annotationsValue;
  }

  /** The params read from the command line, with those the program reported (`params` records) over them. */
  params(): JsonObject {
    if (this.paramsValue === undefined) {
      const start = this.start();
      if (start?.paramsHook) this.scan([]);
      else this.paramsValue = start?.params ?? {};
    }
    return this.paramsValue ?? {};
  }

  /**
   * `--meta` merged with every `$meta` record. A finished run's counts say whether it has any: when
   * it has none (the usual case), run_start alone answers, and the file is not read again.
   */
  metadata(): JsonObject {
    if (this.metadataValue === undefined) {
      const fromStart = this.start()?.metadata ?? {};
      if (this.summary()?.counts?.meta === 0) this.metadataValue = fromStart;
      else this.scan([]);
    }
    return this.metadataValue ?? {};
  }

  /** The values at a path in the run's last track record that has it; undefined when none has. */
  lastValues(steps: PathStep[]): unknown[] | undefined {
    const key = pathKey(steps);
    if (this.lasts.has(key)) return this.lasts.get(key);
    // The summary already read the tail: a numeric path it holds needs no second read.
    const dotted = steps.every((step) => "key" in step) ? steps.map((step) => (step as { key: string }).key).join(".") : null;
    const metrics = this.summaryRead ? this.summaryValue?.metrics : undefined;
    if (dotted && metrics && Object.hasOwn(metrics, dotted)) {
      const value = [metrics[dotted]];
      this.lasts.set(key, value);
      return value;
    }
    const found = this.findLast(steps);
    this.lasts.set(key, found);
    return found;
  }

  /** Aggregates over every number at a path; counts 0 when the run never reported it. */
  seriesStats(steps: PathStep[]): SeriesStats {
    const key = pathKey(steps);
    if (!this.stats.has(key)) this.scan([steps]);
    return this.stats.get(key)!;
  }

  /** Reads every record once: metadata from `$meta` records, and the series of `paths`. */
  scan(paths: PathStep[][]): void {
    const wanted = paths.filter((steps) => !this.stats.has(pathKey(steps)));
    const needMetadata = this.metadataValue === undefined;
    const needParams = this.paramsValue === undefined;
    if (!wanted.length && !needMetadata && !needParams) return;
    const builders = wanted.map((steps) => ({ steps, key: pathKey(steps), stats: emptyStats(), sum: 0, finite: 0 }));
    let metadata: JsonObject = mergeMetadata({}, this.start()?.metadata ?? {});
    let params: JsonObject = mergeMetadata({}, this.start()?.params ?? {});
    recordsOf(this.file, this.warn, (record) => {
      const envelope = decodeEnvelope(record);
      if (envelope.kind === "meta" && needMetadata) metadata = mergeMetadata(metadata, decodeMeta(record));
      if (envelope.kind === "params" && needParams) params = mergeMetadata(params, decodeParams(record));
      if (envelope.kind !== "track") return;
      for (const builder of builders) {
        for (const value of valuesAt(envelope.value, builder.steps)) {
          const n = asNumber(value);
          if (n === null) continue;
          const s = builder.stats;
          s.count++;
          s.first ??= n;
          s.last = n;
          if (Number.isNaN(n)) continue;
          if (s.min === null || n < s.min) s.min = n;
          if (s.max === null || n > s.max) s.max = n;
          if (Number.isFinite(n)) {
            builder.sum += n;
            builder.finite++;
          }
        }
      }
    });
    if (needMetadata) this.metadataValue = metadata;
    if (needParams) this.paramsValue = params;
    for (const builder of builders) {
      builder.stats.mean = builder.finite ? builder.sum / builder.finite : builder.stats.count ? Number.NaN : null;
      this.stats.set(builder.key, builder.stats);
    }
  }

  private findLast(steps: PathStep[]): unknown[] | undefined {
    const key = searchKey(steps);
    const tail = new TailReader(this.file);
    try {
      for (let line = tail.previous(); line !== null; line = tail.previous()) {
        if (key && !line.includes(key)) continue;
        const record = parseRecord(line);
        if (!record || decodeEnvelope(record).kind !== "track") continue;
        const found = valuesAt(record.value, steps);
        if (found.length) return found;
      }
    } finally {
      tail.close();
    }
    return undefined;
  }
}

const emptyStats = (): SeriesStats => ({ count: 0, first: null, last: null, min: null, max: null, mean: null });
