/**
 * When a run watches its folders for outputs (outputs-watch.ts), and that the watch is given back
 * whatever happens: counted as the inotify descriptors this process holds.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunContext } from "../../../src/core/context/run-context";
import { platform } from "../../../src/core/os/platform";
import type { RunRequest } from "../../../src/core/run/run-request";
import { runCommand } from "../../../src/core/run/runner";
import { inotifyDescriptors } from "../../inotify-descriptors";
import { QUIET_CONTEXT, quietRunRequest } from "./quiet-run";

const scratch = mkdtempSync(join(tmpdir(), "exprag-watch-lifetime-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!platform.inotify)("the outputs watch's lifetime", () => {
  test("a run whose root is not a work tree's top (often a home folder) watches nothing", () => {
    const root = mkdtempSync(join(scratch, "home-"));
    const before = inotifyDescriptors();
    const context = new RunContext(QUIET_CONTEXT, {});
    context.starting(root, join(root, ".exprag"), false);
    expect(context.watching).toBe(false);
    expect(inotifyDescriptors()).toBe(before);
  });

  test("a run at a work tree's top watches, and a command that never starts gives the watch back", () => {
    const root = mkdtempSync(join(scratch, "top-"));
    const before = inotifyDescriptors();
    const context = new RunContext(QUIET_CONTEXT, {});
    context.starting(root, join(root, ".exprag"), true);
    expect(context.watching).toBe(true);
    expect(inotifyDescriptors()).toBe(before + 1);
    context.abandoned();
    expect(context.watching).toBe(false);
    expect(inotifyDescriptors()).toBe(before);
  });

  /** A run of `command` in a new repository at `root`, quiet, as the CLI would ask it. */
  const runIn = (root: string, command: string[], more: Partial<RunRequest> = {}) => runCommand(quietRunRequest(root, command, { name: "lifetime", ...more }));

  /** A new repository with a folder in it, to be watched. */
  const repository = () => {
    const root = mkdtempSync(join(scratch, "repo-"));
    expect(Bun.spawnSync(["git", "init", "-q", root]).exitCode).toBe(0);
    mkdirSync(join(root, "sub"));
    return root;
  };

  test.skipIf(!Bun.which("git"))(
    "a command that cannot be spawned leaves no watch open",
    async () => {
      const root = repository();
      writeFileSync(join(root, "not-executable"), "#!/bin/sh\n"); // no x bit: the spawn fails with EACCES
      const before = inotifyDescriptors();
      await expect(runIn(root, ["./not-executable"])).rejects.toThrow(/not executable/);
      expect(inotifyDescriptors()).toBe(before);
    },
    30_000,
  );

  test.skipIf(!Bun.which("git"))(
    "tags that cannot be written leave no watch open",
    async () => {
      const root = repository();
      await runIn(root, ["true"]); // makes the store
      writeFileSync(join(root, ".exprag", "annotations"), "a file where the annotations' folder goes\n");
      const before = inotifyDescriptors();
      await expect(runIn(root, ["true"], { tags: ["t"] })).rejects.toThrow(/^the run's tags could not be written: cannot write \S+annotations\S+ \(E[A-Z]+\)$/);
      expect(inotifyDescriptors()).toBe(before);
      // The run that never started reads as failed, with the reason, not as crashed.
      const ends = readdirSync(join(root, ".exprag", "runs")).map(
        (name) =>
          readFileSync(join(root, ".exprag", "runs", name), "utf8")
            .trim()
            .split("\n")
            .at(-1)!,
      );
      const failed = ends.map((line) => JSON.parse(line)).filter((record) => record.kind === "run_end" && record.value.status === "failed");
      expect(failed).toHaveLength(1);
      expect(failed[0].value.error).toMatch(/^the run's tags could not be written/);
    },
    30_000,
  );
});
