/** exprag's run refs in this repository, read in one call. */
import type { Git } from "../git/repository";
import { RUN_ID } from "../record/untrusted";

export interface RunRef {
  commit: string;
  /** Its commit's tree (empty for a ref that names no commit). */
  tree: string;
}

/** The refs under `prefix` whose last part is a run id, by run id; others are not exprag's and are ignored. */
export function runRefs(git: Git, prefix: string): Map<string, RunRef> {
  const listed = git.text(["for-each-ref", "--format=%(refname) %(objectname) %(tree)", prefix]);
  const refs = new Map<string, RunRef>();
  for (const line of listed.split("\n")) {
    const [name = "", commit = "", tree = ""] = line.split(" ");
    const runId = name.slice(prefix.length);
    if (RUN_ID.test(runId)) refs.set(runId, { commit, tree });
  }
  return refs;
}
