/**
 * The goal metric: what the research tries to move and which way. Given on the command line
 * (`--metric PATH --max|--min`), else the project config's `[goal]`; a direction not given is
 * the config's for its metric, else guessed from the name (a loss or an error: lower is better).
 */
import type { ProjectConfig } from "../config";
import { usageError } from "../errors";
import { type Direction, guessDirection } from "../query/best";
import { misreadPath, type PathStep, parsePath } from "../query/value-paths";

export interface GoalRequest {
  metric?: string;
  direction?: Direction;
}

export interface Goal {
  metric: string;
  steps: PathStep[];
  direction: Direction;
  /** Where the metric came from, and whether its direction was said or guessed. */
  source: "given" | "config";
  direction_guessed: boolean;
}

/**
 * The goal, or null when none was given and the config names none. The config is read (`config`
 * called) only when the request leaves the metric or its direction open.
 */
export function findGoal(request: GoalRequest, config: () => ProjectConfig | null): Goal | null {
  const configured = request.metric !== undefined && request.direction !== undefined ? undefined : config()?.goal;
  const metric = request.metric ?? configured?.metric;
  if (metric === undefined) return null;
  const configDirection = configured && configured.metric === metric ? configured.direction : undefined;
  const direction = request.direction ?? configDirection;
  const misread = misreadPath(metric);
  if (misread) {
    const configured = request.metric === undefined;
    const where = configured ? "[goal] metric in the project config: " : "";
    const what = misread.kind === "aggregate" ? "an aggregate" : "a condition";
    const agg = misread.kind === "aggregate" ? misread.aggregate : null;
    const way = configured ? 'direction = "max" or "min"' : `--max or --min${agg ? ` (best ranks by the ${agg} with --agg ${agg})` : ""}`;
    throw usageError(`${where}'${metric}' is ${what}, not a value path`, `name the path (${misread.path}), and which way is better with ${way}`);
  }
  return {
    metric,
    steps: parsePath(metric),
    direction: direction ?? guessDirection(metric),
    source: request.metric === undefined ? "config" : "given",
    direction_guessed: direction === undefined,
  };
}

/** The goal, or a usage error saying how to name one (`ask`: how `command` is given a metric). */
export function requireGoal(request: GoalRequest, config: () => ProjectConfig | null, command: string, ask = "--metric PATH"): Goal {
  const goal = findGoal(request, config);
  if (!goal) throw usageError(`${command} needs a metric: ${ask}`, 'or name the goal once in .exprag.toml: [goal] metric = "val_loss", direction = "min"');
  return goal;
}
