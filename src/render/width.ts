/**
 * How wide output for a person may be, and text cut to fit: `COLUMNS` when it is set to a
 * positive number (as shells and test harnesses set it), else the terminal's width.
 */
import { terminalSize } from "../core/os/posix";

export const ELLIPSIS = "…";

/** The columns output to `fd` may take; null when neither COLUMNS nor a terminal on `fd` says. */
export function outputWidth(fd = 1, env: NodeJS.ProcessEnv = process.env): number | null {
  const columns = /^\s*\d+\s*$/.test(env.COLUMNS ?? "") ? Number(env.COLUMNS) : 0;
  if (columns > 0) return columns;
  return terminalSize(fd)?.columns ?? null;
}

/** `text` cut to at most `width` display columns, ending in "…" when it was cut. */
export function cutToWidth(text: string, width: number): string {
  if (Bun.stringWidth(text) <= width) return text;
  if (width <= 0) return "";
  const room = width - Bun.stringWidth(ELLIPSIS);
  let used = 0;
  let kept = "";
  for (const { segment } of graphemes().segment(text)) {
    const cells = Bun.stringWidth(segment);
    if (used + cells > room) break;
    kept += segment;
    used += cells;
  }
  return kept + ELLIPSIS;
}

let segmenter: Intl.Segmenter | undefined;
const graphemes = () => {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return segmenter;
};

/**
 * Column widths that fit `limit`: when the natural widths (plus `gap` between columns) do not
 * fit, the flexible columns share what the others leave: a narrow one keeps its width, the wide
 * ones get equal parts of the rest, not less than `minimum` while there is room for that, and
 * never less than one column (then the line may still be too long).
 */
export function fitWidths(natural: number[], flexible: boolean[], limit: number, gap = 2, minimum = 6): number[] {
  const total = natural.reduce((sum, width) => sum + width, 0) + gap * Math.max(0, natural.length - 1);
  if (total <= limit) return natural;
  const widths = [...natural];
  const flex = natural.map((_, i) => i).filter((i) => flexible[i]);
  let room = limit - (total - flex.reduce((sum, i) => sum + natural[i]!, 0));
  const floors = flex.reduce((sum, i) => sum + Math.min(minimum, natural[i]!), 0);
  if (room < floors) minimum = Math.max(1, Math.floor(room / Math.max(1, flex.length)));
  const byWidth = [...flex].sort((a, b) => natural[a]! - natural[b]!);
  for (let k = 0; k < byWidth.length; k++) {
    const i = byWidth[k]!;
    const left = byWidth.length - k;
    const share = Math.floor(room / left);
    if (natural[i]! <= share) {
      room -= natural[i]!;
      continue;
    }
    // This one and every wider one get equal parts; the first few take the remainder.
    const extra = room - share * left;
    byWidth.slice(k).forEach((j, n) => {
      widths[j] = Math.min(natural[j]!, Math.max(Math.min(minimum, natural[j]!), share + (n < extra ? 1 : 0)));
    });
    break;
  }
  return widths;
}
