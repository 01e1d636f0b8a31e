/**
 * The rule a verdict applies: Welch's two-sample t-test on replicate means at the 5% level, two
 * sided. With one side's replicates only, or none but other configurations' replicates, their
 * standard deviation stands for both sides (a pooled t-test). Assumes each run's value is its
 * configuration's true value plus independent noise of one spread, roughly normal.
 */

export interface Noise {
  /** The standard error of the difference of the two means. */
  std_error: number;
  /** Degrees of freedom of the t distribution the difference is judged by. */
  df: number;
}

/** Welch's standard error and Welch–Satterthwaite degrees of freedom, for two samples of at least two. */
export function welchNoise(a: { n: number; std: number }, b: { n: number; std: number }): Noise {
  const va = a.std ** 2 / a.n;
  const vb = b.std ** 2 / b.n;
  const se = Math.sqrt(va + vb);
  const df = va + vb === 0 ? a.n + b.n - 2 : (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return { std_error: se, df };
}

/** The standard error when one spread `std` (with `df` degrees of freedom) stands for both samples. */
export function pooledNoise(std: number, df: number, nA: number, nB: number): Noise {
  return { std_error: std * Math.sqrt(1 / nA + 1 / nB), df };
}

/** The pooled standard deviation of several samples: sqrt(sum((n - 1) s^2) / sum(n - 1)). */
export function pooledStd(samples: { n: number; std: number }[]): { std: number; df: number } | null {
  const df = samples.reduce((sum, s) => sum + s.n - 1, 0);
  if (df <= 0) return null;
  return { std: Math.sqrt(samples.reduce((sum, s) => sum + (s.n - 1) * s.std ** 2, 0) / df), df };
}

/** t quantiles at 0.975 (two-sided 5%) for 1 to 30 degrees of freedom, then at 40, 60, 120. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const T_975_TAIL: [number, number][] = [
  [30, 2.042],
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
  [Number.POSITIVE_INFINITY, 1.96],
];

/** The difference beyond which, in standard errors, a gain is not noise: t at 0.975 for `df` (rounded down, so never laxer). */
export function criticalT(df: number): number {
  const whole = Math.max(1, Math.floor(df));
  if (whole <= 30) return T_975[whole - 1]!;
  for (let i = 1; i < T_975_TAIL.length; i++) {
    const [hiDf, hiT] = T_975_TAIL[i]!;
    const [loDf, loT] = T_975_TAIL[i - 1]!;
    if (whole <= hiDf) return hiDf === Number.POSITIVE_INFINITY ? loT : loT + ((hiT - loT) * (whole - loDf)) / (hiDf - loDf);
  }
  return 1.96;
}
