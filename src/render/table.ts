/**
 * Output for people and for programs: an aligned table when stdout is a terminal, fitted to its
 * width (COLUMNS, else the terminal's) by cutting flexible cells with "…"; tab-separated text with
 * a header otherwise (no colour, nothing cut), or JSON with --json.
 */
import { isTerminal } from "../core/os/posix";
import { colors, wantsColor } from "./colors";
import { visible } from "./escape";
import { cutToWidth, fitWidths, outputWidth } from "./width";

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colour for terminals only. */
  color?: (text: string, row: T) => string;
  align?: "left" | "right";
  /** Text that may be cut with "…" so a table fits the terminal (names, paths, metrics, commands). */
  flex?: true;
}

/** A table's width when the terminal does not say. */
const DEFAULT_WIDTH = 80;

export type OutputMode = "table" | "tsv" | "json";

export function outputMode(json: boolean): OutputMode {
  return json ? "json" : isTerminal(1) ? "table" : "tsv";
}

/** How wide a table of these rows would be at a terminal, nothing cut. */
export function naturalWidth<T>(rows: T[], columns: Column<T>[], gap = 2): number {
  const widths = columns.map((column) => Math.max(Bun.stringWidth(visible(column.header)), ...rows.map((row) => Bun.stringWidth(visible(column.value(row))))));
  return widths.reduce((sum, width) => sum + width, 0) + gap * Math.max(0, columns.length - 1);
}

export function renderRows<T>(rows: T[], columns: Column<T>[], mode: Exclude<OutputMode, "json">): string {
  // Every cell is untrusted text (names, keys and values a script wrote): escaped, in a table and in TSV.
  const cells = rows.map((row) => columns.map((column) => visible(column.value(row))));
  const headers = columns.map((column) => visible(column.header));
  if (mode === "tsv") return `${[headers, ...cells].map((line) => line.join("\t")).join("\n")}\n`;
  const natural = headers.map((header, i) => Math.max(Bun.stringWidth(header), ...cells.map((line) => Bun.stringWidth(line[i]!))));
  const widths = fitWidths(
    natural,
    columns.map((column) => column.flex === true),
    outputWidth(1) ?? DEFAULT_WIDTH,
  );
  for (const line of [headers, ...cells]) {
    for (let i = 0; i < line.length; i++) line[i] = cutToWidth(line[i]!, widths[i]!);
  }
  const color = wantsColor(1);
  const pad = (text: string, i: number) => {
    const fill = " ".repeat(widths[i]! - Bun.stringWidth(text));
    return columns[i]!.align === "right" ? fill + text : text + fill;
  };
  const header = headers
    .map((text, i) => pad(text, i))
    .join("  ")
    .trimEnd();
  const body = rows.map((row, r) =>
    columns
      .map((column, i) => {
        const text = pad(cells[r]![i]!, i);
        return color && column.color ? column.color(text, row) : text;
      })
      .join("  ")
      .trimEnd(),
  );
  return `${[color ? colors().bold(header) : header, ...body].join("\n")}\n`;
}
