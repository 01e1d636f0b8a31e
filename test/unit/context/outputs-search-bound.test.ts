/**
 * The outputs search's bound: it reads at most so many folder entries and says where it stopped,
 * and globs that name their folders keep it to them (a run outside a work tree searches the
 * folder it started in, which may be a home folder).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { searchStarts } from "../../../src/core/context/output-globs";
import { findOutputs, MAX_SEARCHED_ENTRIES } from "../../../src/core/context/outputs";
import { runCommand } from "../../../src/core/run/runner";
import { tempDir } from "../../temp-dir";
import { quietRunRequest } from "../run/quiet-run";

/** A folder with `big/` (many files, old) and `out/` (two files, written after `since`). */
async function folderWithBigSibling(files = 40): Promise<{ root: string; since: number }> {
  const root = tempDir("exprag-outputs-bound-");
  mkdirSync(join(root, "big"));
  for (let i = 0; i < files; i++) writeFileSync(join(root, "big", `f${i}`), "");
  mkdirSync(join(root, "out"));
  // Not a wait for anything: the old files' times must lie further back than the search's 25 ms of clock slack.
  await Bun.sleep(40);
  const since = Date.now();
  writeFileSync(join(root, "out", "model.pt"), "weights");
  writeFileSync(join(root, "out", "log.txt"), "log");
  return { root, since };
}

describe("the outputs search's bound", () => {
  test("is generous by default: a quarter of a million entries", () => {
    expect(MAX_SEARCHED_ENTRIES).toBe(250_000);
  });

  test("within the bound, the search is whole and says nothing", async () => {
    const { root, since } = await folderWithBigSibling();
    const found = findOutputs({ root, since, globs: [], skip: [], maxEntries: 100 });
    expect(found.files.map((file) => file.path)).toEqual(["out/log.txt", "out/model.pt"]);
    expect(found.incomplete).toBeUndefined();
  });

  test("past it, the search stops, keeps what it found, and says where it stopped", async () => {
    const { root, since } = await folderWithBigSibling();
    const found = findOutputs({ root, since, globs: [], skip: [], maxEntries: 10 });
    expect(found.incomplete).toBe("the search stopped after 10 folder entries: files past them were not looked at");
    // `big` (40 entries) tips it over: whatever it found before is kept, nothing is made up.
    for (const file of found.files) expect(file.path.startsWith("out/")).toBe(true);
  });

  test("a glob that names its folder keeps the search to it, so a big sibling costs nothing", async () => {
    const { root, since } = await folderWithBigSibling();
    const found = findOutputs({ root, since, globs: ["out/**"], skip: [], maxEntries: 10 });
    expect(found.files.map((file) => file.path)).toEqual(["out/log.txt", "out/model.pt"]);
    expect(found.incomplete).toBeUndefined();
    // A name matched anywhere needs the whole search, and so meets the bound.
    expect(findOutputs({ root, since, globs: ["*.pt"], skip: [], maxEntries: 10 }).incomplete).toBeDefined();
  });

  test("a glob's named folder is looked into only as the whole search would: not the store, not through a link", async () => {
    const { root, since } = await folderWithBigSibling();
    const store = join(root, "out");
    expect(findOutputs({ root, since, globs: ["out/**"], skip: [store] }).files).toEqual([]);
    symlinkSync("out", join(root, "link"));
    expect(findOutputs({ root, since, globs: ["link/**"], skip: [] }).files).toEqual([]);
    expect(findOutputs({ root, since, globs: [], skip: [] }).files.map((file) => file.path)).toEqual(["out/log.txt", "out/model.pt"]);
  });
});

describe("where a search for the globs' paths starts", () => {
  test.each([
    [[], [""]],
    [["*.pt"], [""]],
    [["**/model.pt"], [""]],
    [["checkpoints/**"], ["checkpoints"]],
    [["checkpoints/model.pt"], ["checkpoints"]],
    [
      ["runs/a/**/*.pt", "runs/b/*.csv"],
      ["runs/a", "runs/b"],
    ],
    [["runs/**", "runs/a/*.pt"], ["runs"]],
    [["run*/x.pt"], [""]],
    [["{a,b}/x.pt"], [""]],
    [["a/[bc]/x.pt"], ["a"]],
    [["a\\*/x"], [""]],
    [["./a/x"], [""]],
    [["../a/x"], [""]],
    [["/abs/x"], [""]],
    [["out/**", "*.pt"], [""]],
    [
      ["ab/x", "a/y"],
      ["a", "ab"],
    ],
  ] as [string[], string[]][])("%j starts at %j", (globs, starts) => {
    expect(searchStarts(globs)).toEqual(starts);
  });
});

describe.skipIf(process.platform === "win32")("a run whose search stops", () => {
  test("records the outputs it found with the reason, and warns once how to narrow it", async () => {
    const { root } = await folderWithBigSibling();
    const warnings: string[] = [];
    const store = join(root, ".exprag");
    const request = quietRunRequest(root, ["sh", "-c", "echo new > out/new.txt"], {
      context: { environment: false, systemEverySeconds: null, outputs: { globs: [], keep: false, maxEntries: 10 } },
      warn: (message) => warnings.push(message),
    });
    const outcome = await runCommand(request);
    expect(outcome.status).toBe("ok");
    expect(warnings).toEqual([
      `outputs: the search stopped after 10 folder entries: files past them were not looked at under ${root}; --outputs 'FOLDER/**' looks only in FOLDER`,
    ]);
    const [runFile] = readdirSync(join(store, "runs")).filter((name) => name.endsWith(".jsonl"));
    const records = readFileSync(join(store, "runs", runFile!), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const outputs = records.find((record) => record.kind === "outputs");
    expect(outputs.value.incomplete).toBe("the search stopped after 10 folder entries: files past them were not looked at");
    expect(outputs.value.root).toBe(root);
  }, 30_000);
});
