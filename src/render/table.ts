/**
 * Output for people and for programs: an aligned table when stdout is a terminal, tab-separated
 * text with a header otherwise (no colour, nothing cut), or JSON with --json.
 */
import { isTerminal } from "../core/os/posix";
import { colors, wantsColor } from "./colors";
import { visible } from "./escape";

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colour for terminals only. */
  color?: (text: string, row: T) => string;
  align?: "left" | "right";
}

export type OutputMode = "table" | "tsv" | "json";

export function outputMode(json: boolean): OutputMode {
  return json ? "json" : isTerminal(1) ? "table" : "tsv";
}

export function renderRows<T>(rows: T[], columns: Column<T>[], mode: Exclude<OutputMode, "json">): string {
  // Every cell is untrusted text (names, keys and values a script wrote): escaped, in a table and in TSV.
  const cells = rows.map((row) => columns.map((column) => visible(column.value(row))));
  const headers = columns.map((column) => visible(column.header));
  if (mode === "tsv") return `${[headers, ...cells].map((line) => line.join("\t")).join("\n")}\n`;
  const widths = headers.map((header, i) => Math.max(Bun.stringWidth(header), ...cells.map((line) => Bun.stringWidth(line[i]!))));
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
