/** A run as the CLI would ask it, with nothing recorded beyond the command's own (no snapshot, log, environment or samples): for tests that drive the runner in process. */
import { join } from "node:path";
import type { RunRequest } from "../../../src/core/run/run-request";

export const QUIET_CONTEXT = { environment: false, systemEverySeconds: null, outputs: { globs: [], keep: false } };

/** `command` run in `root`, its store `root/.exprag`, HOME `root`; `more` overrides any of it. */
export function quietRunRequest(root: string, command: string[], more: Partial<RunRequest> = {}): RunRequest {
  return {
    command,
    name: "quiet",
    metadata: {},
    params: null,
    store: join(root, ".exprag"),
    storeExplicit: false,
    echo: false,
    keepLog: false,
    snapshot: false,
    snapshotMaxBytes: 0,
    snapshotSecrets: false,
    cwd: root,
    env: { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: "1" },
    selfCommand: [process.execPath],
    heartbeatSeconds: 60,
    pty: false,
    context: QUIET_CONTEXT,
    warn: () => {},
    ...more,
  };
}
