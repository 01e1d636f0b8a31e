/** `exprag ls` and list_runs: the selected runs, newest first or sorted, with the columns asked for. */
import { fillTrees, treeFiller } from "../git/code-id";
import { forEachListedRun, type ListedRun, listRuns } from "../query/listing";
import type { Selection } from "../query/selection";
import { parseOperand } from "../query/where";
import type { AnswerContext } from "./context";

/** The run's own fields, which `ls --columns` shows by these names; any other name is an operand. */
export const LISTED_FIELDS = [
  "id",
  "name",
  "started",
  "duration",
  "status",
  "exit",
  "commit",
  "code",
  "records",
  "tags",
  "notes",
  "decision",
  "why",
  "from",
  "metrics",
] as const;
export type ListedField = (typeof LISTED_FIELDS)[number];

/** The column names that are operands, to be added to each run's `columns`. */
export const operandColumns = (names: string[]): string[] => names.filter((name) => !(LISTED_FIELDS as readonly string[]).includes(name));

/** The fields a sort may name by their column's name, and the operand each sorts by. */
const SORT_FIELDS: Record<string, string> = { started: "started_at", duration: "duration_ms", exit: "exit_code" };

/** What a sort by `by` sorts by: an operand, or a field by its column's name (started, duration, exit). */
export const sortOperand = (by: string) => parseOperand((Object.hasOwn(SORT_FIELDS, by) ? SORT_FIELDS[by] : undefined) ?? by, "--sort");

export interface ListRequest {
  selection: Selection;
  limit: number;
  /** Column names: the run's own fields (LISTED_FIELDS, in every run already) and operands to add to each run's `columns` (params.lr, max(metrics.acc)). */
  columns: string[];
  /** Sort by this operand (or a field's column name: started, duration, exit) instead of newest first. */
  sort: { by: string; descending: boolean } | null;
}

export interface ListAnswer {
  data: ListedRun[];
  /** How many runs the selection kept before the limit. */
  total: number;
  /** Parameter and metadata leaves whose values differ among the listed runs. */
  differing: string[];
}

export function answerList(request: ListRequest, { store, cwd, env, warn, progress }: AnswerContext): ListAnswer {
  const columns = operandColumns(request.columns).map((column) => parseOperand(column, "--columns"));
  const sort = request.sort && { operand: sortOperand(request.sort.by), descending: request.sort.descending };
  const { runs, total, differing } = listRuns(store, request.selection, { limit: request.limit, columns, sort }, warn, progress?.phase("reading runs"));
  fillTrees(runs, cwd, env);
  return { data: runs, total, differing };
}

/** How many runs' trees are filled in with one question to git while streaming. */
const STREAM_BATCH = 500;

/**
 * answerList's `data` for a request without columns or sort (`ls --json`), handed on in batches as
 * the runs are read, so no answer over every run is ever held: the same runs in the same order.
 * Returns `total`.
 */
export function streamList(
  request: Pick<ListRequest, "selection" | "limit">,
  { store, cwd, env, warn, progress }: AnswerContext,
  onRuns: (runs: ListedRun[]) => void,
): number {
  let batch: ListedRun[] = [];
  const fill = treeFiller(cwd, env);
  const flush = () => {
    fill(batch);
    onRuns(batch);
    batch = [];
  };
  const total = forEachListedRun(
    store,
    request.selection,
    request.limit,
    warn,
    (run) => {
      batch.push(run);
      if (batch.length >= STREAM_BATCH) flush();
    },
    progress?.phase("reading runs"),
  );
  if (batch.length) flush();
  return total;
}
