/** Temporary folders for tests, removed when the test file (or the test process) ends, whatever its tests did to them. */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
// Loaded first by the preload, so this hook is the whole run's: with several test files in one
// process (no --parallel) it runs once all are done; with --parallel, after each file.
afterAll(() => {
  for (const dir of made.splice(0)) removeAll(dir);
});

export function tempDir(prefix = "exprag-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A test may leave a folder read-only, which rm cannot empty even with force: it is made writable first. */
function removeAll(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    Bun.spawnSync(["chmod", "-R", "u+rwx", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}
