/**
 * Which remote push and pull talk to: the one named (a configured remote, a URL or a path), else
 * the current branch's upstream remote, else `origin`.
 */
import { EXIT, UserError } from "../errors";
import type { Git, Repository } from "../git/repository";

export function chooseRemote(git: Git, repo: Repository, named: string | undefined): string {
  if (named !== undefined) {
    if (named.startsWith("-")) throw new UserError(`'${named}' is not a remote`, EXIT.usage, "name a remote, a URL or a path");
    return named;
  }
  const configured = new Set(git.run(["remote"]).stdout.toString().split("\n").filter(Boolean));
  const upstream = repo.branch
    ? git
        .run(["config", "--get", `branch.${repo.branch}.remote`])
        .stdout.toString()
        .trim()
    : "";
  if (upstream && upstream !== "." && configured.has(upstream)) return upstream;
  if (configured.has("origin")) return "origin";
  throw new UserError(
    "this repository has no remote to use: its branch has no upstream and there is no origin",
    EXIT.failure,
    "name one (exprag push REMOTE, a remote, a URL or a path), or add one: git remote add origin URL",
  );
}
