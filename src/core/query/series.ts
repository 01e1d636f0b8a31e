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
    return meanOf(this.count, this.sum, this.finite);
  }

  /** One aggregate's value; null when the series has no number yet (count: 0). */
  value(aggregate: Aggregate): number | null {
    return aggregate === "mean" ? this.mean : this[aggregate];
  }

  stats(): SeriesStats {
    return statsOf(this.state());
  }

  /** Everything the aggregates rest on, the sum as added so far: statsOf(state) answers as this one does. */
  state(): SeriesState {
    return [this.count, this.first, this.last, this.min, this.max, this.sum, this.finite];
  }
}

const meanOf = (count: number, sum: number, finite: number): number | null => (finite ? sum / finite : count ? Number.NaN : null);

/** The aggregates of a state (kept in the series cache): the same, to the bit, as the accumulator's that had it. */
export function statsOf(state: SeriesState): SeriesStats {
  return { count: state[0], first: state[1], last: state[2], min: state[3], max: state[4], mean: meanOf(state[0], state[5], state[6]) };
}

/** A SeriesAccumulator's state: count, first, last, min, max, the sum of the finite numbers and how many they are. */
export type SeriesState = [count: number, first: number | null, last: number | null, min: number | null, max: number | null, sum: number, finite: number];
