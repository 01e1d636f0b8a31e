const BARS = "▁▂▃▄▅▆▇█";

/** A one-line picture of a series, for people: ▁▂▄▆█. */
export function sparkline(values: number[]): string {
  if (values.length === 0) return "";
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const span = high - low || 1;
  return values.map((v) => BARS[Math.round(((v - low) / span) * (BARS.length - 1))]).join("");
}
