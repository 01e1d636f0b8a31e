/**
 * A git process opened before its input is known (Git.open): one that goes away while input is
 * still queued for it tells so by its exit code, never by a broken pipe that ends exprag.
 */
import { expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Git } from "../../../src/core/git/repository";
import { tempDir } from "../../temp-dir";

test("a git that exits at once, sent a megabyte: its exit code, and no broken pipe", async () => {
  const bin = tempDir("exprag-fake-git-");
  writeFileSync(join(bin, "git"), "#!/bin/sh\nexit 3\n");
  chmodSync(join(bin, "git"), 0o755);
  const git = new Git(tempDir("exprag-open-git-"), { PATH: `${bin}:${process.env.PATH}` });
  const opened = git.open(["hash-object", "-w", "--stdin-paths"]);
  for (let i = 0; i < 16; i++) opened.send(`${"x".repeat(64 * 1024 - 1)}\n`);
  opened.end();
  opened.send("after the end\n");
  expect((await opened.result).code).toBe(3);
}, 30_000);
