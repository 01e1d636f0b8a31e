/**
 * Output for people and for programs: an aligned table when stdout is a terminal, fitted to its
 * width (COLUMNS, else the terminal's) by cutting flexible cells with "…" (never below their
 * header) and, when that is not enough, leaving out whole columns, so a row never wraps; one line
 * on stderr then names what was left out or cut and how to see it. Tab-separated text with a
 * header otherwise (no colour, nothing cut), or JSON with --json.
 */
import { isTerminal } from "../core/os/posix";
import { colors, wantsColor } from "./colors";
import { visible } from "./escape";
import { log } from "./log";
import { cutToWidth, fitWidths, outputWidth } from "./width";

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colour for terminals only. */
  color?: (text: string, row: T) => string;
  align?: "left" | "right";
  /** Text that may be cut with "…" so a table fits the terminal (names, values, metrics, commands); ids, keys and sources never are. */
  flex?: true;
  /**
   * When the columns do not fit even cut, the lowest `drop` goes first (the rightmost of equals);
   * a column without one is never left out.
   */
  drop?: number;
}

/** A flexible column is not cut narrower than this (nor than its header), so no value reads "…" alone. */
const FLEX_FLOOR = 8;
/** The room a flexible column wants before columns that may go make way for it. */
const FLEX_ROOM = 30;

/** A table's width when the terminal does not say. */
const DEFAULT_WIDTH = 80;

export type OutputMode = "table" | "tsv" | "json";

export function outputMode(json: boolean): OutputMode {
  return json ? "json" : isTerminal(1) ? "table" : "tsv";
}

export function renderRows<T>(rows: T[], allColumns: Column<T>[], mode: Exclude<OutputMode, "json">): string {
  let columns = allColumns;
  // Every cell is untrusted text (names, keys and values a script wrote): escaped, in a table and in TSV.
  let cells = rows.map((row) => columns.map((column) => visible(column.value(row))));
  let headers = columns.map((column) => visible(column.header));
  if (mode === "tsv") return `${[headers, ...cells].map((line) => line.join("\t")).join("\n")}\n`;
  const limit = outputWidth(1) ?? DEFAULT_WIDTH;
  const allNatural = headers.map((header, i) => Math.max(Bun.stringWidth(header), ...cells.map((line) => Bun.stringWidth(line[i]!))));
  const floor = (i: number) => (columns[i]!.flex ? Math.min(allNatural[i]!, Math.max(FLEX_FLOOR, Bun.stringWidth(headers[i]!))) : allNatural[i]!);
  const shown = columns.map((_, i) => i);
  const left: string[] = [];
  const need = (width: (i: number) => number) => shown.reduce((sum, i) => sum + width(i), 0) + 2 * Math.max(0, shown.length - 1);
  const dropWhile = (tooWide: () => boolean, may: (i: number) => boolean) => {
    while (tooWide()) {
      const candidates = shown.filter((i) => columns[i]!.drop !== undefined && may(i));
      if (!candidates.length) return;
      const lowest = Math.min(...candidates.map((i) => columns[i]!.drop!));
      const gone = candidates.filter((i) => columns[i]!.drop === lowest).at(-1)!;
      shown.splice(shown.indexOf(gone), 1);
      left.push(headers[gone]!);
    }
  };
  // Columns that are never cut go before the cut ones lose their room (what a flexible one wants before it is cut: FLEX_ROOM)...
  dropWhile(
    () => need((i) => (columns[i]!.flex ? Math.min(allNatural[i]!, FLEX_ROOM) : allNatural[i]!)) > limit,
    (i) => !columns[i]!.flex,
  );
  // ...then any that may go, until the rest fit cut to their floors.
  dropWhile(
    () => need(floor) > limit,
    () => true,
  );
  if (left.length < columns.length) ({ columns, headers, cells } = keepColumns(shown, columns, headers, cells));
  const natural = shown.map((i) => allNatural[i]!);
  const widths = fitWidths(
    natural,
    columns.map((column) => column.flex === true),
    limit,
    2,
    FLEX_FLOOR,
  ).map((width, i) => Math.max(width, Math.min(natural[i]!, Bun.stringWidth(headers[i]!))));
  const cut = new Set<string>();
  for (const line of [headers, ...cells]) {
    for (let i = 0; i < line.length; i++) {
      const text = cutToWidth(line[i]!, widths[i]!);
      if (text !== line[i]) cut.add(headers[i]!);
      line[i] = text;
    }
  }
  tellWhatIsHidden(left, [...cut], limit);
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

function keepColumns<T>(shown: number[], columns: Column<T>[], headers: string[], cells: string[][]) {
  return {
    columns: shown.map((i) => columns[i]!),
    headers: shown.map((i) => headers[i]!),
    cells: cells.map((line) => shown.map((i) => line[i]!)),
  };
}

/** The one stderr line a table owes when it did not show everything. */
function tellWhatIsHidden(left: string[], cut: string[], limit: number): void {
  if (!left.length && !cut.length) return;
  const parts = [
    ...(left.length ? [`left out ${left.map((header) => header || "(unnamed)").join(", ")}`] : []),
    ...(cut.length ? [`cut ${cut.map((header) => header || "the first column").join(", ")}`] : []),
  ];
  log.info(`${limit} columns: ${parts.join("; ")}; --columns picks, --json shows all`);
}
