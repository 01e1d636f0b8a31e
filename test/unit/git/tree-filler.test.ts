/** Trees filled in for runs handed over in batches: the same trees fillTrees gives, whichever batch asks. */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fillTrees, treeFiller } from "../../../src/core/git/code-id";
import { tempDir } from "../../temp-dir";

test("a filler over several batches fills what fillTrees fills: known commits their tree, unknown ones null, recorded trees kept", () => {
  const top = tempDir("exprag-tree-filler-");
  const home = tempDir("exprag-tree-filler-home-");
  const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", XDG_CONFIG_HOME: join(home, ".config"), LC_ALL: "C" };
  const git = (...args: string[]) => {
    const result = Bun.spawnSync(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: top, env, stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(result.stderr.toString());
    return result.stdout.toString().trim();
  };
  git("init", "-q");
  git("commit", "-q", "--allow-empty", "-m", "one");
  const first = git("rev-parse", "HEAD");
  const firstTree = git("rev-parse", "HEAD^{tree}");
  writeFileSync(join(top, "f"), "x\n");
  git("add", "f");
  git("commit", "-q", "-m", "two");
  const second = git("rev-parse", "HEAD");
  const secondTree = git("rev-parse", "HEAD^{tree}");
  const unknown = "f".repeat(40);
  const batches = () => [
    [
      { commit: first, tree: null },
      { commit: unknown, tree: null },
    ],
    [
      { commit: first, tree: null },
      { commit: second, tree: null },
      { commit: null, tree: null },
      { commit: second, tree: "kept" },
    ],
    [{ commit: unknown, tree: null }],
  ];
  const filled = batches();
  const fill = treeFiller(top, env);
  for (const batch of filled) fill(batch);
  const once = batches();
  for (const batch of once) fillTrees(batch, top, env);
  expect(filled).toEqual(once);
  expect(filled.flat().map((run) => run.tree)).toEqual([firstTree, null, firstTree, secondTree, null, "kept", null]);
});

test("outside a repository nothing is filled", () => {
  const runs = [{ commit: "a".repeat(40), tree: null }];
  treeFiller(tempDir("exprag-tree-filler-none-"), { PATH: process.env.PATH })(runs);
  expect(runs[0]!.tree).toBeNull();
});
