/**
 * Running git for exprag: its own calls never run user hooks and never take optional locks, and
 * a repository is found (or the reason there is none) once per command.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { EXIT, UserError } from "../errors";
import { findWorkTreeTop } from "./work-tree-top";

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** A git process started before its input is known: `send` writes to its stdin, `end` closes it. */
export interface OpenGit {
  send(input: string | Uint8Array): void;
  end(): void;
  result: Promise<GitResult>;
}

export class Git {
  /** Told of every git call exprag makes and how long it took (`exprag run --verbose`). */
  static observer: ((args: string[], ms: number) => void) | null = null;

  constructor(
    readonly cwd: string,
    /** The user's environment, git's path variables made absolute. */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  run(args: string[], options: { index?: string; input?: Buffer | string; extraEnv?: Record<string, string> } = {}): GitResult {
    const started = performance.now();
    const result = Bun.spawnSync(this.argv(args), {
      cwd: this.cwd,
      env: this.callEnv(options),
      stdin: options.input === undefined ? "ignore" : Buffer.from(options.input),
      stdout: "pipe",
      stderr: "pipe",
    });
    Git.observer?.(args, performance.now() - started);
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr.toString().trim() };
  }

  /**
   * `run`, started now and answered when awaited: a git call that can go on while other work does.
   * `signal` ends it (SIGTERM) when aborted.
   */
  async start(args: string[], options: { index?: string; input?: Buffer | string; signal?: AbortSignal } = {}): Promise<GitResult> {
    const started = performance.now();
    const stdin = options.input === undefined ? "ignore" : Buffer.from(options.input);
    const child = Bun.spawn(this.argv(args), { cwd: this.cwd, env: this.callEnv(options), stdin, stdout: "pipe", stderr: "pipe", signal: options.signal });
    return await answerOf(child, args, started);
  }

  /**
   * `start`, with the input given later: git starts now, its start-up going on beside the
   * caller's work, and reads what `send` writes until `end`.
   */
  open(args: string[], options: { extraEnv?: Record<string, string> } = {}): OpenGit {
    const started = performance.now();
    const child = Bun.spawn(this.argv(args), { cwd: this.cwd, env: this.callEnv(options), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const result = answerOf(child, args, started);
    let open = true;
    // A git that failed and went away says so in its result: a write to it that fails, at once or
    // later (a write left pending answers a promise), is not where that is told.
    const attempt = (write: () => number | Promise<number>) => {
      try {
        if (open) Promise.resolve(write()).catch(() => {});
      } catch {}
    };
    return {
      send: (input) => attempt(() => child.stdin.write(input)),
      end: () => {
        attempt(() => child.stdin.end());
        open = false;
      },
      result,
    };
  }

  // No user hook (post-index-change, reference-transaction, ...) runs for exprag's own git calls.
  private argv = (args: string[]) => ["git", "-c", "core.hooksPath=/dev/null", ...args];

  // GIT_OPTIONAL_LOCKS=0: status and friends never rewrite an index just to refresh it.
  private callEnv(options: { index?: string; extraEnv?: Record<string, string> }): Record<string, string | undefined> {
    const env: Record<string, string | undefined> = { ...this.env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...options.extraEnv };
    if (options.index) env.GIT_INDEX_FILE = options.index;
    return env;
  }

  /** The same git, run in another directory. */
  at(cwd: string): Git {
    return new Git(cwd, this.env);
  }

  /** stdout as text when git succeeds; throws a GitError with git's own words otherwise. */
  text(args: string[], options?: Parameters<Git["run"]>[1]): string {
    const result = this.run(args, options);
    if (result.code !== 0) throw new GitError(`git ${args[0]} failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
    return result.stdout.toString().trim();
  }
}

/** What a git process started at `started` (performance.now()) answered, once it has ended; told to Git.observer. */
async function answerOf(child: Bun.Subprocess<Bun.SpawnOptions.Writable, "pipe", "pipe">, args: string[], started: number): Promise<GitResult> {
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).arrayBuffer(), new Response(child.stderr).text(), child.exited]);
  Git.observer?.(args, performance.now() - started);
  return { code, stdout: Buffer.from(stdout), stderr: stderr.trim() };
}

/** A git command that failed: git's own words, one line; exit 1, since the user can cause it. */
export class GitError extends UserError {
  constructor(message: string) {
    super(message, EXIT.failure);
    this.name = "GitError";
  }
}

/** git's variables that name paths, made absolute: exprag runs git from the top of the work tree. */
const PATH_VARIABLES = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"];

function absoluteGitPaths(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const relativeOnes = PATH_VARIABLES.filter((name) => env[name] && !isAbsolute(env[name]!));
  if (relativeOnes.length === 0) return env;
  return { ...env, ...Object.fromEntries(relativeOnes.map((name) => [name, resolve(cwd, env[name]!)])) };
}

export const firstLine = (text: string) =>
  text
    .split("\n")
    .find((line) => !line.startsWith("hint:"))
    ?.trim() ?? "";

/** Where the work tree is and what HEAD is. */
export interface Repository {
  top: string;
  gitDir: string;
  index: string;
  head: string | null;
  headTree: string | null;
  branch: string | null;
}

/** Why `cwd` has no repository to open, found without starting git; null when it may have one. */
export function outsideWorkTree(cwd: string, env: NodeJS.ProcessEnv): string | null {
  if (env.GIT_DIR || findWorkTreeTop(cwd, env)) return null;
  return isBareRepository(cwd) ? "a bare repository has no work tree" : "not inside a git work tree";
}

/** Finds the repository; a string says why there is none. */
export function openRepository(cwd: string, env: NodeJS.ProcessEnv): { git: Git; repo: Repository } | string {
  const outside = outsideWorkTree(cwd, env);
  if (outside !== null) return outside;
  const git = new Git(cwd, absoluteGitPaths(env, cwd));
  let result: GitResult;
  try {
    result = git.run(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-path", "index", "HEAD", "HEAD^{tree}", "--symbolic-full-name", "HEAD"]);
  } catch {
    return "git is not installed";
  }
  const lines = result.stdout.toString().split("\n");
  if (result.code !== 0 && lines.length < 4) return whyNoRepository(result.stderr);
  const [top = "", gitDir = "", index = ""] = lines;
  const at = git.at(top);
  if (result.code !== 0) {
    // No commit yet: HEAD names a branch that does not exist.
    const branch = at.run(["symbolic-ref", "-q", "HEAD"]).stdout.toString().trim();
    return { git: at, repo: { top, gitDir, index: resolve(cwd, index), head: null, headTree: null, branch: shortBranch(branch) } };
  }
  const [, , , head = "", headTree = "", symbolic = ""] = lines;
  return { git: at, repo: { top, gitDir, index: resolve(cwd, index), head, headTree, branch: shortBranch(symbolic) } };
}

/** A bare repository's folder holds HEAD, objects and refs itself, with no .git entry. */
function isBareRepository(dir: string): boolean {
  return ["HEAD", "objects", "refs"].every((name) => existsSync(join(dir, name)));
}

function shortBranch(ref: string): string | null {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}

function whyNoRepository(stderr: string): string {
  if (/dubious ownership/.test(stderr)) {
    return "git refuses this repository: dubious ownership (if you trust it: git config --global --add safe.directory <path>)";
  }
  if (/not a git repository/i.test(stderr)) return "not inside a git work tree";
  if (/work tree/.test(stderr)) return "a bare repository has no work tree";
  return `git cannot read this repository: ${firstLine(stderr)}`;
}

export function openRepositoryOrFail(cwd: string, env: NodeJS.ProcessEnv): { git: Git; repo: Repository } {
  const opened = openRepository(cwd, env);
  if (typeof opened === "string") throw new UserError(`${opened}`, EXIT.failure, "run this inside the repository the runs were recorded in");
  return opened;
}

/**
 * Runs git for the user to watch: its output goes to stderr (exprag's stdout carries data only),
 * or to stdout when `output` is "data" (a diff). Fails with git's exit code, unless it is one of
 * `answers` (git diff --exit-code's 1 means "they differ"), which it returns.
 */
export function gitCommand(git: Git, args: string[], output: "messages" | "data" = "messages", answers: number[] = []): number {
  const out = output === "data" ? "inherit" : 2;
  const result = Bun.spawnSync(["git", ...args], { cwd: git.cwd, env: git.env, stdio: ["inherit", out, 2] });
  if (result.exitCode !== 0 && !answers.includes(result.exitCode)) throw new UserError(`git ${args[0]} failed (exit ${result.exitCode})`, EXIT.failure);
  return result.exitCode;
}
