/**
 * Which remote push and pull talk to: the one named (a configured remote, a URL or a path), else
 * the current branch's upstream remote, else `origin`.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { EXIT, UserError } from "../errors";
import { notAnOption } from "../git/option-words";
import type { Git, Repository } from "../git/repository";

export function chooseRemote(git: Git, repo: Repository, named: string | undefined, command: "push" | "pull"): string {
  const configured = new Set(git.run(["remote"]).stdout.toString().split("\n").filter(Boolean));
  if (named !== undefined) {
    if (named.trim() === "") throw new UserError("the remote's name is empty", EXIT.usage, `name a remote, a URL or a path: exprag ${command} origin`);
    notAnOption(named, "remote");
    // A run reference where the remote goes: the remote comes first.
    if (/^(?:[0-9a-f-]{4,}|latest(?:~\d+)?)$/.test(named) && !configured.has(named) && !existsSync(resolve(git.cwd, named))) {
      throw new UserError(`'${named}' is not a remote: it looks like a run`, EXIT.usage, `the remote comes first: exprag ${command} origin ${named}`);
    }
    return named;
  }
  const upstream = repo.branch
    ? git
        .run(["config", "--get", `branch.${repo.branch}.remote`])
        .stdout.toString()
        .trim()
    : "";
  if (upstream && upstream !== "." && configured.has(upstream)) return notAnOption(upstream, "remote");
  if (configured.has("origin")) return "origin";
  throw new UserError(
    "this repository has no remote to use: its branch has no upstream and there is no origin",
    EXIT.failure,
    `name one (exprag ${command} REMOTE: a remote, a URL or a path), or add one: git remote add origin URL`,
  );
}
