/**
 * What `exprag sweep` and `exprag rerun` hand to the `exprag run` they start: the code read once
 * for every run of a sweep, and the run a rerun repeats. It travels in two environment variables
 * that `exprag run` takes out before the command starts, so the command never sees them.
 */

import type { PreparedCode } from "../git/capture";
import { asObject, decodeGit, OBJECT_ID } from "../record/decode";

const CODE = "EXPRAG_PREPARED_CODE";
const RERUN_OF = "EXPRAG_RERUN_OF";
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function handoffVariables(handoff: { code?: PreparedCode; rerunOf?: string }): Record<string, string> {
  return {
    ...(handoff.code && { [CODE]: JSON.stringify(handoff.code) }),
    ...(handoff.rerunOf && { [RERUN_OF]: handoff.rerunOf }),
  };
}

/** The environment without the hand-off variables, and what they carried (anything malformed is ignored). */
export function takeHandoff(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; code?: PreparedCode; rerunOf?: string } {
  const { [CODE]: code, [RERUN_OF]: rerunOf, ...rest } = env;
  return { env: rest, ...(code !== undefined && { code: decodePreparedCode(code) }), ...(rerunOf && RUN_ID.test(rerunOf) && { rerunOf }) };
}

function decodePreparedCode(text: string): PreparedCode | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const object = asObject(value);
  const commit = object.snapshotCommit;
  return { git: decodeGit(asObject(object.git)), snapshotCommit: typeof commit === "string" && OBJECT_ID.test(commit) ? commit : null };
}
