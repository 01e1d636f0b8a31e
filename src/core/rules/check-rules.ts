/**
 * `exprag check-rules RUN --stop-when EXPR`: the rules replayed on a recorded run, record by
 * record as they arrived live, saying where each would have stopped it (and where the first of
 * them would have), so a rule can be tuned on runs already made before it ends a new one.
 */
import { readable, recordsOf, type Warn } from "../query/records";
import { readAnnotations } from "../record/annotations";
import { decodeEnvelope, decodeRunEnd, decodeRunStart, type RunEnd, type RunStart } from "../record/decode";
import { notARunError, resolveReadableRun, shortId } from "../record/refs";
import type { StoppedBy } from "../record/schema";
import { warnAbsentPaths } from "./absent-paths";
import { firstNonFinitePath } from "./divergence";
import type { StopRule } from "./stop-rule";
import { StopRules } from "./stop-rules";

export interface CheckRulesRequest {
  store: string;
  reference: string;
  rules: StopRule[];
}

export interface CheckRulesAnswer {
  run_id: string;
  short_id: string;
  /** Where the rules, any of them, would have stopped the run first; null when none held. */
  stopped_by: StoppedBy | null;
  /** Each rule alone: where it would have stopped the run. */
  rules: { rule: string; stopped_by: StoppedBy | null }[];
  /** What really ended the run, when a rule or limit did. */
  recorded: StoppedBy | null;
}

export function checkRules(request: CheckRulesRequest, warn: Warn): CheckRulesAnswer {
  const { runId, file } = resolveReadableRun(request.store, request.reference);
  const each = request.rules.map((rule) => ({ rule, first: null as StoppedBy | null, checker: null as StopRules | null }));
  let any: { by: StoppedBy; line: number } | null = null;
  let end: RunEnd | null = null;
  const read = readable(request.store, runId, warn, () => {
    let start: RunStart | null = null;
    let diverged = false;
    let checking = false;
    recordsOf(file, warn, (record, line) => {
      const envelope = decodeEnvelope(record);
      if (envelope.kind === "run_start") {
        start = decodeRunStart(record);
      } else if (envelope.kind === "run_end") {
        end = decodeRunEnd(record);
      } else if (envelope.kind === "track" && start) {
        if (!checking) {
          checking = true;
          // The tags the run started with: written beside run_start, before its command made any record.
          const tags = readAnnotations(file, start.queued?.tags, undefined, envelope.createdAt).tags;
          const facts = { runId, name: start.experimentName, params: start.params ?? {}, metadata: start.metadata, tags };
          for (const item of each) item.checker = new StopRules([item.rule], facts);
        }
        diverged ||= firstNonFinitePath(envelope.value) !== null;
        const elapsed = typeof record.elapsed_ms === "number" ? record.elapsed_ms : 0;
        for (const item of each) {
          if (item.first) continue;
          item.first = item.checker!.record(envelope.value, `${file}:${line}`, elapsed, diverged);
          if (item.first && !any) any = { by: item.first, line };
        }
      }
      return undefined;
    });
    return start !== null;
  });
  if (!read) throw notARunError(file, "no run_start record");
  const neverHeld = each.filter((item) => !item.first).map(({ rule }) => ({ expr: rule.expr, option: `--stop-when ${JSON.stringify(rule.text)}` }));
  warnAbsentPaths(request.store, runId, neverHeld, warn);
  const recorded = (end as RunEnd | null)?.stoppedBy ?? null;
  return {
    run_id: runId,
    short_id: shortId(runId),
    stopped_by: (any as { by: StoppedBy } | null)?.by ?? null,
    rules: each.map((item) => ({ rule: item.rule.text, stopped_by: item.first })),
    recorded,
  };
}
