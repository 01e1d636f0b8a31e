/** The generated repository the git capture and outputs benchmarks share: N files of about 10 KB, 50 modified, 20 untracked (by default). */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function content(i: number, version = 0): string {
  const line = `file ${i} version ${version} ${"abcdefghijklmnopqrstuvwxyz".repeat(3)} ${(i * 2654435761) % 1000003}\n`;
  return line.repeat(Math.ceil(10_000 / line.length));
}

/** How dirty the generated tree is left: untracked files (default 20) and deleted tracked files (default 0, at most 50). */
export interface Dirt {
  untracked?: number;
  deleted?: number;
}

/** Fills `repo` (an empty folder); `run` runs a git command there. */
export function generateRepo(repo: string, files: number, run: (argv: string[]) => void, dirt: Dirt = {}): void {
  console.error(`generating ${files} files in ${repo} ...`);
  run(["git", "init", "-q", "-b", "main"]);
  // No `gc --auto` packing 30,000 loose objects in the background while the rounds are timed.
  run(["git", "config", "gc.auto", "0"]);
  for (let i = 0; i < files; i++) {
    const dir = join(repo, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), content(i));
  }
  run(["git", "-c", "core.looseCompression=0", "add", "-A"]);
  run(["git", "-c", "core.looseCompression=0", "commit", "-qm", "generated"]);
  for (let i = 0; i < 50; i++) {
    const n = i * Math.floor(files / 50);
    writeFileSync(join(repo, `d${Math.floor(n / 100)}`, `f${n}.txt`), content(n, 1));
  }
  const untracked = dirt.untracked ?? 20;
  for (let i = 0; i < untracked; i++) writeFileSync(join(repo, `d${i % Math.ceil(files / 100)}`, `untracked${i}.txt`), content(i, 2));
  // Each deleted file is the one after a modified one (at most 50).
  for (let i = 0; i < Math.min(dirt.deleted ?? 0, 50); i++) {
    const n = i * Math.floor(files / 50) + 1;
    rmSync(join(repo, `d${Math.floor(n / 100)}`, `f${n}.txt`));
  }
}
