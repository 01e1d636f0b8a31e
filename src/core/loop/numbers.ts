/** The summary statistics of a sample that grouping and verdicts report. */

export interface SampleStats {
  n: number;
  mean: number | null;
  /** The sample standard deviation (n - 1 in the denominator); null below two values. */
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Statistics over the finite values; NaN and infinities are left out of every figure. */
export function sampleStats(values: number[]): SampleStats {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { n: 0, mean: null, std: null, min: null, max: null };
  const mean = finite.reduce((sum, x) => sum + x, 0) / n;
  const std = n < 2 ? null : Math.sqrt(finite.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1));
  return { n, mean, std, min: finite.reduce((a, b) => Math.min(a, b)), max: finite.reduce((a, b) => Math.max(a, b)) };
}
