/** Statistics of one numeric path over a run's series, in one pass with bounded memory. */

export interface MetricStats {
  path: string;
  count: number;
  first: number | string;
  last: number | string;
  /** Over the numbers, NaN left out and the infinities in, as every aggregate (series.ts); null when there is none. */
  min: number | null;
  max: number | null;
  non_finite: number;
  /** Up to 64 averages over the whole series, for a sparkline. */
  trend: number[];
}

const TREND_BUCKETS = 64;

export class StatsBuilder {
  private count = 0;
  private last: number | string;
  private min: number | null = null;
  private max: number | null = null;
  private nonFinite = 0;
  private buckets: { sum: number; n: number }[] = [];
  private bucketSize = 1;

  constructor(
    private readonly path: string,
    private readonly first: number | string,
  ) {
    this.last = first;
  }

  /** One point: its number, and the value as stored ("NaN" stays a string). */
  add(value: number, stored: number | string): void {
    this.count++;
    this.last = stored;
    if (!Number.isNaN(value)) {
      if (this.min === null || value < this.min) this.min = value;
      if (this.max === null || value > this.max) this.max = value;
    }
    if (!Number.isFinite(value)) {
      this.nonFinite++;
      return;
    }
    // A fixed number of buckets over the whole series: when full, neighbours merge and each bucket doubles.
    const last = this.buckets.at(-1);
    if (last && last.n < this.bucketSize) {
      last.sum += value;
      last.n++;
      return;
    }
    this.buckets.push({ sum: value, n: 1 });
    if (this.buckets.length <= TREND_BUCKETS) return;
    const merged: { sum: number; n: number }[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const [a, b] = [this.buckets[i]!, this.buckets[i + 1]];
      merged.push(b ? { sum: a.sum + b.sum, n: a.n + b.n } : a);
    }
    this.buckets = merged;
    this.bucketSize *= 2;
  }

  build(): MetricStats {
    return {
      path: this.path,
      count: this.count,
      first: this.first,
      last: this.last,
      min: this.min,
      max: this.max,
      non_finite: this.nonFinite,
      trend: this.buckets.map((b) => b.sum / b.n),
    };
  }
}
