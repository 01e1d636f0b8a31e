/**
 * The network half: `git push` and `git fetch` run for exprag, with git's progress handed to the
 * front end as it comes (to show at a terminal) and its words kept for the one-line error when it
 * fails.
 */
import { END_OF_OPTIONS } from "../git/option-words";
import type { Git } from "../git/repository";

export interface TransferResult {
  code: number;
  stdout: string;
  /** What git said on stderr, its last 64 KB. */
  stderr: string;
}

export interface TransferOptions {
  /** Given git's progress and messages as they come (untrusted text: a remote's words), or null for no progress. */
  progress: ((text: string) => void) | null;
  /** Let git ask for credentials at the terminal. */
  prompt: boolean;
}

const KEPT_STDERR = 64 * 1024;

export async function transfer(git: Git, args: string[], options: TransferOptions): Promise<TransferResult> {
  const env: Record<string, string | undefined> = { ...git.env, LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" };
  if (!options.prompt) env.GIT_TERMINAL_PROMPT = "0";
  // --progress goes before the names, which come after --end-of-options.
  const names = args.indexOf(END_OF_OPTIONS);
  const progress = options.progress ? ["--progress"] : [];
  const argv = names < 0 ? [...args, ...progress] : [...args.slice(0, names), ...progress, ...args.slice(names)];
  const proc = Bun.spawn(["git", "-c", "core.hooksPath=/dev/null", ...argv], {
    cwd: git.cwd,
    env,
    stdin: options.prompt ? "inherit" : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = new Response(proc.stdout).text();
  let kept = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stderr as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    kept = (kept + text).slice(-KEPT_STDERR);
    options.progress?.(text);
  }
  return { code: await proc.exited, stdout: await stdout, stderr: kept };
}

/** git's last words that are not a hint or a progress line: what a one-line error should say. */
export function gitComplaint(stderr: string): string {
  const lines = stderr
    .split(/[\r\n]/)
    .map((line) => line.trim())
    .filter(
      (line) => line && !line.startsWith("hint:") && !/^(remote: )?(Counting|Compressing|Writing|Enumerating|Receiving|Resolving|Total|Unpacking)/.test(line),
    );
  const fatal = lines.find((line) => line.startsWith("fatal:") || line.startsWith("error:"));
  return fatal ?? lines.at(-1) ?? "";
}
