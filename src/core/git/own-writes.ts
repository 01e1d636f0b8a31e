/**
 * What exprag may write into a repository itself, byte for byte as git would: loose objects,
 * commits, and a snapshot's branch. Not where git's config asks for what git honours and exprag
 * does not: shared permissions, fsync, a commit encoding (commits), a reflog setting or another
 * way of storing refs (branches). Told by the config files where they say for certain
 * (config-scan.ts), else asked of git once per repository opened.
 */
import { certainlyUnset } from "./config-scan";
import { commonFolder } from "./loose-objects";
import type { Git, Repository } from "./repository";

export interface OwnWrites {
  objects: boolean;
  commits: boolean;
  refs: boolean;
}

/** What the config files are searched for: any key whose name holds one of these. */
export const CONFIG_WORDS = ["sharedrepository", "fsync", "commitencoding", "logallrefupdates", "refstorage"];

/** What `git init` writes in every repository's config: branches' reflogs kept, as they are by default. */
export const REFLOGS_KEPT = /^[ \t]*logallrefupdates[ \t]*=[ \t]*(true|yes|on|1|always)[ \t]*$/gm;

const QUESTION = ["config", "--name-only", "--get-regexp", "^(core\\.(sharedrepository|fsync|logallrefupdates)|i18n\\.commitencoding|extensions\\.refstorage)"];

const EVERYTHING: OwnWrites = { objects: true, commits: true, refs: true };

const known = new WeakMap<Git, OwnWrites>();
/** Repositories whose config files were read already (and could not tell, where `known` has no answer). */
const scanned = new WeakSet<Git>();

/** What may be written in process here; asks git (a process) where the config files cannot tell. */
export function ownWrites(git: Git, repo: Repository): OwnWrites {
  let answer = ownWritesKnown(git, repo);
  if (answer === undefined) {
    answer = fromQuestion(git.run(QUESTION));
    known.set(git, answer);
  }
  return answer;
}

/** What may be written in process here as far as known without asking git; undefined where only git can tell. */
export function ownWritesKnown(git: Git, repo: Repository): OwnWrites | undefined {
  return known.get(git) ?? fromFiles(git, repo);
}

/** `ownWrites`, with git's answer, where it is needed, from a process that goes on while other work does. */
export async function askOwnWrites(git: Git, repo: Repository): Promise<void> {
  if (known.has(git) || fromFiles(git, repo)) return;
  const answer = fromQuestion(await git.start(QUESTION));
  if (!known.has(git)) known.set(git, answer);
}

function fromFiles(git: Git, repo: Repository): OwnWrites | undefined {
  if (scanned.has(git)) return known.get(git);
  scanned.add(git);
  const common = commonFolder(repo, git.env);
  if (common === null || !certainlyUnset(repo.gitDir, common, git.env, CONFIG_WORDS, REFLOGS_KEPT)) return undefined;
  known.set(git, EVERYTHING);
  return EVERYTHING;
}

function fromQuestion(result: { code: number; stdout: Buffer }): OwnWrites {
  if (result.code === 1) return EVERYTHING; // none set
  if (result.code !== 0) return { objects: false, commits: false, refs: false };
  const names = result.stdout.toString().split("\n");
  const objects = !names.some((name) => name === "core.sharedrepository" || name.startsWith("core.fsync"));
  return {
    objects,
    commits: objects && !names.includes("i18n.commitencoding"),
    refs: objects && !names.some((name) => name === "core.logallrefupdates" || name === "extensions.refstorage"),
  };
}
