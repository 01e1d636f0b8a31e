/**
 * The chart of chart.ts as a standalone SVG document, for people and for agents that read images:
 * the same ranges, y tick values and series letters as the text chart, on a white background.
 * Each series is exactly one <path> (a gap starts a new subpath with M; a lone point is a
 * small circle drawn with two arcs), with a stroke colour of its own (ten fixed colours,
 * then hues a golden angle apart) and a dash pattern (six, in turn), so lines differ without colour
 * too. Each line's letter and label stand right of the plot at the height where it ends (moved
 * apart when they would overlap, with a dotted leader back to the end); x ticks are round numbers. The document grows past the requested size only when the legend
 * would leave the plot too little room. Labels are escaped; numbers are rounded to 2 decimals.
 */
import {
  type ChartBounds,
  type ChartLabels,
  type ChartSeries,
  chartBounds,
  drawnSeries,
  finiteRuns,
  fraction,
  seriesMarker,
  xTicks,
  yScale,
} from "./chart-scale";

/** Sizes in SVG user units (pixels). */
export interface SvgChartOptions extends ChartLabels {
  width: number;
  height: number;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const CHAR_WIDTH = 7; // an estimate for 12px sans-serif: no fonts are measured here
const LINE_HEIGHT = 18;
const MIN_PLOT = 40;
const TICKS = 5;
const DOT_RADIUS = 1.5;

/** The stroke colour of the series at `index`; no two series share one. */
export function seriesStroke(index: number): string {
  return PALETTE[index] ?? `hsl(${round((index * 137.508) % 360)},65%,42%)`;
}

/** The chart as an SVG document (see the module comment). */
export function renderSvgChart(given: ChartSeries[], options: SvgChartOptions): string {
  const series = drawnSeries(given, options.logY);
  const bounds = chartBounds(series);
  const scale = bounds ? yScale(bounds.y, TICKS, options.logY) : null;
  if (bounds && scale) bounds.y = scale.range;
  const [yTicks, yTickLabels] = [scale?.ticks ?? [], scale?.labels ?? []];
  const { ticks: xTickValues, labels: xTickLabels } = bounds ? xTicks(bounds.x, TICKS, options.formatX) : { ticks: [], labels: [] };
  const [title, yLabel, xLabel] = [options.title ?? "", options.yLabel, options.xLabel];

  const left = 16 + Math.max(0, ...yTickLabels.map((l) => l.length)) * CHAR_WIDTH;
  // Each line's label at its end, in a right margin of at most a quarter of the width.
  const endChars = Math.floor(Math.max(options.width, 200) / 4 / CHAR_WIDTH);
  const endLabels = series.map((s, index) => clipChars(`${seriesMarker(index)} ${s.label}`, endChars));
  const right = Math.max(
    12 + ((xTickLabels.at(-1)?.length ?? 0) * CHAR_WIDTH) / 2,
    bounds ? 14 + Math.max(0, ...endLabels.map((l) => [...l].length)) * CHAR_WIDTH : 0,
  );
  const top = 12 + (title ? LINE_HEIGHT + 6 : 0) + (yLabel ? LINE_HEIGHT : 0);
  const bottom = 8 + LINE_HEIGHT + (xLabel ? LINE_HEIGHT : 0) + 6 + series.length * LINE_HEIGHT;
  const width = Math.max(Math.round(options.width), left + right + MIN_PLOT);
  const height = Math.max(Math.round(options.height), top + bottom + MIN_PLOT);
  const plot: Box = { left, top, width: width - left - right, height: height - top - bottom };
  const plotBottom = plot.top + plot.height;

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  ];
  if (title) parts.push(`<title>${escapeXml(title)}</title>`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  if (title) parts.push(text(width / 2, 12 + 14, title, `text-anchor="middle" font-weight="bold" font-size="14"`));
  if (yLabel) parts.push(text(8, plot.top - 10, yLabel));
  yTicks.forEach((value, j) => {
    const y = plotBottom - fraction(value, bounds!.y) * plot.height;
    parts.push(line(plot.left, y, plot.left + plot.width, y, `stroke="#e6e6e6"`));
    parts.push(text(plot.left - 6, y + 4, yTickLabels[j]!, `text-anchor="end"`));
  });
  xTickValues.forEach((value, j) => {
    const x = plot.left + fraction(value, bounds!.x) * plot.width;
    parts.push(line(x, plotBottom, x, plotBottom + 4, `stroke="#333333"`));
    parts.push(text(x, plotBottom + 17, xTickLabels[j]!, `text-anchor="middle"`));
  });
  parts.push(line(plot.left, plot.top, plot.left, plotBottom, `stroke="#333333"`));
  parts.push(line(plot.left, plotBottom, plot.left + plot.width, plotBottom, `stroke="#333333"`));
  if (xLabel) parts.push(text(plot.left + plot.width / 2, plotBottom + 17 + LINE_HEIGHT, xLabel, `text-anchor="middle"`));
  if (!bounds) parts.push(text(plot.left + plot.width / 2, plot.top + plot.height / 2, "no finite values", `text-anchor="middle" fill="#666666"`));

  const ends = bounds ? lineEnds(series, bounds, plot) : [];
  series.forEach((s, index) => {
    const d = bounds ? pathData(s, bounds, plot) : "";
    const stroke = seriesStroke(index);
    const dash = seriesDash(index) ? ` stroke-dasharray="${seriesDash(index)}"` : "";
    parts.push(
      `<path d="${d}" fill="none" stroke="${stroke}" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"${dash}><title>${escapeXml(s.label)}</title></path>`,
    );
    const end = ends[index];
    if (end) {
      const labelX = plot.left + plot.width + 8;
      if (end.x < labelX - 8 || Math.abs(end.y - end.labelY) > 1)
        parts.push(line(end.x, end.y, labelX - 2, end.labelY, `stroke="${stroke}" stroke-width="0.75" stroke-dasharray="1 2"`));
      parts.push(text(labelX, end.labelY + 4, endLabels[index]!, `fill="${stroke}"`));
    }
    const y = plotBottom + 17 + (xLabel ? LINE_HEIGHT : 0) + 6 + (index + 1) * LINE_HEIGHT - 4;
    parts.push(line(plot.left, y - 4, plot.left + 18, y - 4, `stroke="${stroke}" stroke-width="3"${dash}`));
    parts.push(text(plot.left + 24, y, `${seriesMarker(index)}  ${s.label}`));
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Dash patterns, so lines differ without colour: solid, then dashes, dots and dash-dots. */
const DASHES = ["", "7 3", "2 2.5", "9 3 2 3", "4 4", "12 3 2 3 2 3"];

/** The dash pattern of the series at `index` ("" for solid); they repeat after six series. */
export function seriesDash(index: number): string {
  return DASHES[index % DASHES.length]!;
}

/** Where each series' line ends (its last finite point), and the height of its label there: labels kept at least a line apart, within the plot. */
function lineEnds(series: ChartSeries[], bounds: ChartBounds, plot: Box): ({ x: number; y: number; labelY: number } | undefined)[] {
  const ends = series.map((s) => {
    const last = finiteRuns(s.points).at(-1)?.at(-1);
    if (!last) return undefined;
    const y = plot.top + (1 - fraction(last.y, bounds.y)) * plot.height;
    return { x: plot.left + fraction(last.x, bounds.x) * plot.width, y, labelY: y };
  });
  const placed = ends.filter((end) => end !== undefined).sort((a, b) => a.y - b.y);
  const gap = LINE_HEIGHT - 4;
  placed.forEach((end, i) => {
    end.labelY = Math.max(end.y, i ? placed[i - 1]!.labelY + gap : plot.top);
  });
  // Pushed below the plot's bottom: move them back up, keeping the gaps.
  for (let i = placed.length - 1; i >= 0; i--) {
    const limit = i === placed.length - 1 ? plot.top + plot.height : placed[i + 1]!.labelY - gap;
    placed[i]!.labelY = Math.min(placed[i]!.labelY, limit);
  }
  return ends;
}

/** Text cut to `count` characters, ending in "…" when it was cut. */
function clipChars(text: string, count: number): string {
  const chars = [...text];
  return chars.length <= count ? text : `${chars.slice(0, Math.max(1, count - 1)).join("")}…`;
}

/** M/L commands through the series' finite runs, repeated points (after rounding) dropped. */
function pathData(series: ChartSeries, bounds: ChartBounds, plot: Box): string {
  const commands: string[] = [];
  for (const run of finiteRuns(series.points)) {
    const points = run.map(({ x, y }) => [round(plot.left + fraction(x, bounds.x) * plot.width), round(plot.top + (1 - fraction(y, bounds.y)) * plot.height)]);
    const distinct = points.filter(([x, y], i) => i === 0 || x !== points[i - 1]![0] || y !== points[i - 1]![1]);
    if (distinct.length === 1) {
      const [x, y] = distinct[0]!;
      commands.push(`M${x} ${y}m-${DOT_RADIUS} 0a${DOT_RADIUS} ${DOT_RADIUS} 0 1 0 ${2 * DOT_RADIUS} 0a${DOT_RADIUS} ${DOT_RADIUS} 0 1 0 -${2 * DOT_RADIUS} 0`);
    } else commands.push(distinct.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x} ${y}`).join(""));
  }
  return commands.join("");
}

function line(x1: number, y1: number, x2: number, y2: number, attributes: string): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" ${attributes}/>`;
}

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${round(x)}" y="${round(y)}"${attributes ? ` ${attributes}` : ""}>${escapeXml(content)}</text>`;
}

function round(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

/** Text safe inside an element or a quoted attribute; characters XML forbids become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .toWellFormed()
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
    .replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!);
}
