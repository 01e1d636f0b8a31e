/** Aggregates over the numbers of a tracked path, kept as they come (a run file read, or a live run). */
import type { Aggregate } from "./where-syntax";

export interface SeriesStats {
  count: number;
  first: number | null;
  last: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
}

/**
 * Every number counts, NaN and infinities included; NaN is left out of min and max, and the mean
 * is over the finite numbers (NaN when there are numbers but none is finite).
 */
export class SeriesAccumulator {
  count = 0;
  first: number | null = null;
  last: number | null = null;
  min: number | null = null;
  max: number | null = null;
  private sum = 0;
  private finite = 0;

  add(n: number): void {
    this.count++;
    this.first ??= n;
    this.last = n;
    if (Number.isNaN(n)) return;
    if (this.min === null || n < this.min) this.min = n;
    if (this.max === null || n > this.max) this.max = n;
    if (Number.isFinite(n)) {
      this.sum += n;
      this.finite++;
    }
  }

  get mean(): number | null {
    return this.finite ? this.sum / this.finite : this.count ? Number.NaN : null;
  }

  /** One aggregate's value; null when the series has no number yet (count: 0). */
  value(aggregate: Aggregate): number | null {
    return aggregate === "mean" ? this.mean : this[aggregate];
  }

  stats(): SeriesStats {
    return { count: this.count, first: this.first, last: this.last, min: this.min, max: this.max, mean: this.mean };
  }

  /** Everything the aggregates rest on, the sum as added so far: restored, it answers as this one does. */
  state(): SeriesState {
    return [this.count, this.first, this.last, this.min, this.max, this.sum, this.finite];
  }

  static restore([count, first, last, min, max, sum, finite]: SeriesState): SeriesAccumulator {
    const series = new SeriesAccumulator();
    [series.count, series.first, series.last, series.min, series.max, series.sum, series.finite] = [count, first, last, min, max, sum, finite];
    return series;
  }
}

/** A SeriesAccumulator's state: count, first, last, min, max, the sum of the finite numbers and how many they are. */
export type SeriesState = [count: number, first: number | null, last: number | null, min: number | null, max: number | null, sum: number, finite: number];
