/**
 * When a run watches its folders for outputs (outputs-watch.ts): counted as the inotify
 * descriptors this process holds.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunContext } from "../../../src/core/context/run-context";
import { platform } from "../../../src/core/os/platform";

const scratch = mkdtempSync(join(tmpdir(), "exprag-watch-lifetime-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function inotifyDescriptors(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes("inotify")) count++;
    } catch {} // the listing's own descriptor, gone
  }
  return count;
}

const quiet = { environment: false, systemEverySeconds: null, outputs: { globs: [], keep: false } };

describe.skipIf(!platform.inotify)("the outputs watch's lifetime", () => {
  test("a run whose root is not a work tree's top (often a home folder) watches nothing", () => {
    const root = mkdtempSync(join(scratch, "home-"));
    const before = inotifyDescriptors();
    const context = new RunContext(quiet, {});
    context.starting(root, join(root, ".exprag"), false);
    expect(context.watching).toBe(false);
    expect(inotifyDescriptors()).toBe(before);
  });
});
