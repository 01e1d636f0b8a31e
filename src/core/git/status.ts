/** `git status` of the experiment's code: what changed, read once from porcelain v2, and what is not code. */
import { firstLine, type Git, GitError } from "./repository";

/** One `git status --porcelain` entry: its two-letter code and path (and the source of a rename). */
export interface StatusEntry {
  /** As `--porcelain=v1` spells it: `M `, ` D`, `??`, `UU`... */
  code: string;
  path: Buffer;
  from?: Buffer;
  /** What porcelain v2 adds, for a tracked path: the modes and object ids git compared. */
  tracked?: TrackedState;
}

/** A tracked path's modes (octal text, `000000` where absent) and object ids, as `git status --porcelain=v2` gives them. */
export interface TrackedState {
  /** `1` changed, `2` renamed or copied, `u` unmerged. */
  kind: "1" | "2" | "u";
  /** `N...`, or `S<c><m><u>` for a submodule. */
  submodule: string;
  headMode: string;
  indexMode: string;
  /** The work tree's mode as git would record it (the index's mode kept where core.fileMode or core.symlinks say so). */
  worktreeMode: string;
  /** The index's object (unmerged: the stage-2 one). */
  indexOid: string;
}

/**
 * The coding agents' own folders: their skills, settings and notes are not the experiment's code,
 * so they never enter a snapshot, never make a run dirty, and never make its code differ.
 */
export const DEFAULT_NOT_CODE = [".claude/", ".agents/", ".codex/", ".gemini/", ".cursor/", ".opencode/"];

/** `git status` of the experiment's code: entries under `notCode` (default DEFAULT_NOT_CODE) left out, tracked or not. */
export function readCodeStatus(git: Git, notCode: string[] = DEFAULT_NOT_CODE, index?: string): { entries: StatusEntry[] } {
  return { entries: codeEntries(readStatus(git, index).entries, notCode) };
}

/** `entries` without those under `notCode`. */
export function codeEntries(entries: StatusEntry[], notCode: string[]): StatusEntry[] {
  return notCode.length ? entries.filter((entry) => !isExcluded(entry.path.toString(), notCode)) : entries;
}

/** git pathspecs that leave `notCode` out of a diff, read from the top whatever the current folder. */
export function notCodePathspecs(notCode: string[] = DEFAULT_NOT_CODE): string[] {
  return notCode.map((glob) => {
    let pattern = glob.replace(/^\/+/, "");
    if (pattern.endsWith("/")) pattern += "**";
    return `:(top,exclude,glob)${pattern.includes("/") ? pattern : `**/${pattern}`}`;
  });
}

const STATUS = ["status", "--porcelain=v2", "-z", "--untracked-files=all", "--ignore-submodules=none"];

export function readStatus(git: Git, index?: string): { entries: StatusEntry[] } {
  return statusEntries(git.run(STATUS, { index }));
}

/** `readStatus`, started now and answered when awaited. */
export async function startStatus(git: Git, index?: string): Promise<{ entries: StatusEntry[] }> {
  return statusEntries(await git.start(STATUS, { index }));
}

/**
 * `startStatus` of the repository's own index, also telling the commit HEAD was as git read it
 * (null before the first commit); `signal` ends it.
 */
export async function startStatusWithHead(git: Git, signal: AbortSignal): Promise<{ entries: StatusEntry[]; head: string | null }> {
  const result = await git.start([...STATUS, "--branch", "--no-ahead-behind"], { signal });
  const { entries } = statusEntries(result);
  const header = "# branch.oid ";
  const at = result.stdout.indexOf(header);
  const oid = at < 0 ? "" : result.stdout.toString("latin1", at + header.length, result.stdout.indexOf(0, at));
  return { entries, head: /^[0-9a-f]{40,64}$/.test(oid) ? oid : null };
}

function statusEntries(result: { code: number; stdout: Buffer; stderr: string }): { entries: StatusEntry[] } {
  if (result.code !== 0) throw new GitError(`git status failed: ${firstLine(result.stderr)}`);
  return { entries: parseStatus(result.stdout) };
}

/** How many space-separated fields come before the path on each kind of `--porcelain=v2` line. */
const FIELDS_BEFORE_PATH: Record<string, number> = { "1": 8, "2": 9, u: 10, "?": 1, "!": 1 };

/** `git status --porcelain=v2 -z` output, each entry with its v1 code. */
export function parseStatus(output: Buffer): StatusEntry[] {
  const entries: StatusEntry[] = [];
  let start = 0;
  const next = () => {
    const end = output.indexOf(0, start);
    if (end < 0) return null;
    const field = output.subarray(start, end);
    start = end + 1;
    return field;
  };
  for (let field = next(); field; field = next()) {
    const kind = String.fromCharCode(field[0]!);
    const before = FIELDS_BEFORE_PATH[kind];
    if (before === undefined) continue; // a header line (# ...)
    let at = 0;
    for (let n = 0; n < before; n++) at = field.indexOf(0x20, at) + 1;
    const path = field.subarray(at);
    if (kind === "?" || kind === "!") {
      entries.push({ code: kind === "?" ? "??" : "!!", path });
      continue;
    }
    const words = field
      .subarray(0, at - 1)
      .toString("latin1")
      .split(" ");
    const entry: StatusEntry = {
      code: words[1]!.replaceAll(".", " "),
      path,
      tracked: {
        kind: kind as TrackedState["kind"],
        submodule: words[2]!,
        headMode: words[3]!,
        // An unmerged line gives stages 1 to 3 (`u XY sub m1 m2 m3 mW h1 h2 h3`): ours, stage 2, is the index's.
        indexMode: words[4]!,
        worktreeMode: kind === "u" ? words[6]! : words[5]!,
        indexOid: kind === "u" ? words[8]! : words[7]!,
      },
    };
    if (kind === "2") entry.from = next() ?? undefined;
    entries.push(entry);
  }
  return entries;
}

/** Whether a glob of `snapshot-exclude` names this path (relative to the work tree top). */
export function isExcluded(path: string, globs: string[]): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return globs.some((glob) => {
    const { matcher, whole } = compiledGlob(glob);
    return matcher.match(whole ? path : name);
  });
}

/** Each glob compiled once: a snapshot tests every path status names against each of them. */
const compiledGlobs = new Map<string, { matcher: Bun.Glob; whole: boolean }>();

function compiledGlob(glob: string): { matcher: Bun.Glob; whole: boolean } {
  let compiled = compiledGlobs.get(glob);
  if (!compiled) {
    // As in .gitignore: a leading / anchors at the top, a trailing / takes the whole folder.
    let pattern = glob.replace(/^\/+/, "");
    if (pattern.endsWith("/")) pattern += "**";
    compiled = { matcher: new Bun.Glob(pattern), whole: pattern.includes("/") };
    compiledGlobs.set(glob, compiled);
  }
  return compiled;
}
