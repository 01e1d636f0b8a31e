/**
 * What `exprag sweep` and `exprag rerun` hand to the `exprag run` they start: the code read once
 * for every run of a sweep, the run's id (chosen by the caller, so it knows the run before it
 * starts), the sweep point (added to the run's params), the whole metadata, and the run a rerun
 * repeats. It travels in environment variables that `exprag run` takes out before the command
 * starts, so the command never sees them.
 */

import type { PreparedCode } from "../git/capture";
import { decodeGit } from "../record/decode-git";
import { asObject, isObject, type JsonObject } from "../record/json-values";
import { OBJECT_ID, RUN_ID } from "../record/untrusted";

const CODE = "EXPRAG_PREPARED_CODE";
const RERUN_OF = "EXPRAG_RERUN_OF";
const RUN_ID_VARIABLE = "EXPRAG_PREPARED_RUN_ID";
const PARAMS = "EXPRAG_SWEEP_PARAMS";
const METADATA = "EXPRAG_PREPARED_METADATA";

export interface Handoff {
  code?: PreparedCode;
  rerunOf?: string;
  runId?: string;
  /** Parameters the run's params take on top of those its command line gives (a sweep's point). */
  params?: JsonObject;
  /** The run's metadata, whole (instead of --meta and --meta-file). */
  metadata?: JsonObject;
}

export function handoffVariables(handoff: Handoff): Record<string, string> {
  return {
    ...(handoff.code && { [CODE]: JSON.stringify(handoff.code) }),
    ...(handoff.rerunOf && { [RERUN_OF]: handoff.rerunOf }),
    ...(handoff.runId && { [RUN_ID_VARIABLE]: handoff.runId }),
    ...(handoff.params && { [PARAMS]: JSON.stringify(handoff.params) }),
    ...(handoff.metadata && { [METADATA]: JSON.stringify(handoff.metadata) }),
  };
}

/** The environment without the hand-off variables, and what they carried (anything malformed is ignored). */
export function takeHandoff(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv } & Handoff {
  const { [CODE]: code, [RERUN_OF]: rerunOf, [RUN_ID_VARIABLE]: runId, [PARAMS]: params, [METADATA]: metadata, ...rest } = env;
  const paramsObject = jsonObject(params);
  const metadataObject = jsonObject(metadata);
  return {
    env: rest,
    ...(code !== undefined && { code: decodePreparedCode(code) }),
    ...(rerunOf && RUN_ID.test(rerunOf) && { rerunOf }),
    ...(runId && RUN_ID.test(runId) && { runId }),
    ...(paramsObject && { params: paramsObject }),
    ...(metadataObject && { metadata: metadataObject }),
  };
}

function jsonObject(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function decodePreparedCode(text: string): PreparedCode | undefined {
  const object = jsonObject(text);
  if (!object) return undefined;
  const commit = object.snapshotCommit;
  return { git: decodeGit(asObject(object.git)), snapshotCommit: typeof commit === "string" && OBJECT_ID.test(commit) ? commit : null };
}
