/**
 * The outputs search's bound: it reads at most so many folder entries and says where it stopped,
 * and globs that name their folders keep it to them (a run outside a work tree searches the
 * folder it started in, which may be a home folder).
 */
import { describe, expect, test } from "bun:test";
import { linkSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { foldersWithin, pathMatcher, searchStarts } from "../../../src/core/context/output-globs";
import { findOutputs, MAX_SEARCHED_ENTRIES } from "../../../src/core/context/outputs";
import { runCommand } from "../../../src/core/run/runner";
import { tempDir } from "../../temp-dir";
import { QUIET_CONTEXT, quietRunRequest } from "../run/quiet-run";

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
    writeFileSync(join(root, "top.txt"), "");
    const found = findOutputs({ root, since, globs: [], skip: [], maxEntries: 10 });
    expect(found.incomplete).toBe("the search stopped after 10 folder entries: files past them were not looked at");
    // `big` (40 entries) tips it over, whether it is read before `out` or after: what was found is
    // kept (the top's own file is looked at whatever the order), and nothing is made up.
    const paths = found.files.map((file) => file.path);
    expect(paths).toContain("top.txt");
    for (const path of paths) expect(["top.txt", "out/log.txt", "out/model.pt"]).toContain(path);
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

  test("globs whose folders lie deeper find what the whole search finds for them, and no more", async () => {
    const root = tempDir("exprag-outputs-deep-");
    const write = (path: string) => {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), path);
    };
    write("a/b/old.txt");
    write("env/pyvenv.cfg");
    await Bun.sleep(40); // as above: the old files' times lie before `since`
    const since = Date.now();
    for (const path of ["real/x/new.pt", "node_modules/m/new.js", "env/lib/new.py", ".exprag/x/new.jsonl", "a/b/c/new.txt", "a/new.txt"]) write(path);
    symlinkSync("real", join(root, "lk"));
    const request = (globs: string[]) => ({ root, since, globs, skip: [join(root, ".exprag")] });
    const whole = findOutputs(request([])).files.map((file) => file.path);
    expect(whole).toEqual(["a/b/c/new.txt", "a/new.txt", "real/x/new.pt"]);
    for (const globs of [
      ["lk/x/**"],
      ["node_modules/m/*"],
      ["env/lib/*"],
      [".exprag/x/*"],
      ["a/b/**"],
      ["a/b/c/new.txt"],
      ["real/x/*.pt", "a/**"],
      ["a/b/**", "a/*"],
    ]) {
      expect({ globs, found: findOutputs(request(globs)).files.map((file) => file.path) }).toEqual({ globs, found: whole.filter(pathMatcher(globs)) });
    }
  });
});

describe("the bound where a watch named what changed", () => {
  const none = new Set<string>();

  test("only the globs' folders are searched, never the other folders the run made, however big", async () => {
    const { root, since } = await folderWithBigSibling();
    mkdirSync(join(root, "out", "e1"));
    writeFileSync(join(root, "out", "e1", "model.pt"), "weights");
    // As a watch would tell a run that made `out/e1`: that folder is searched, and the files named.
    const request = (globs: string[]) => ({ root, since, globs, skip: [], maxEntries: 10 });
    const inside = findOutputs(request(["out/**"]), { files: new Set(["out/model.pt"]), folders: new Set(["out/e1"]) });
    expect(inside.files.map((file) => file.path)).toEqual(["out/e1/model.pt", "out/model.pt"]);
    // One that also unpacked `big`: the globs' folders are searched whole (a file in `big` may be a
    // second name of one in them), `big` not at all.
    const beside = findOutputs(request(["out/**"]), { files: none, folders: new Set(["big", "out/e1"]) });
    expect(beside.files.map((file) => file.path)).toEqual(["out/e1/model.pt", "out/log.txt", "out/model.pt"]);
    expect(beside.incomplete).toBeUndefined();
    // A folder holding a glob's folder gives that folder.
    const above = findOutputs(request(["out/e1/**"]), { files: none, folders: new Set([""]) });
    expect(above.files.map((file) => file.path)).toEqual(["out/e1/model.pt"]);
  });

  test("a file in the globs' folders changed through a second name in a new folder elsewhere is found", async () => {
    const { root, since } = await folderWithBigSibling(0);
    const old = join(root, "out", "old.pt");
    writeFileSync(old, "weights");
    const past = new Date(since - 60_000);
    utimesSync(old, past, past);
    mkdirSync(join(root, "tmp"));
    linkSync(old, join(root, "tmp", "m"));
    writeFileSync(join(root, "tmp", "m"), "new weights"); // no event names out/old.pt
    const found = findOutputs({ root, since, globs: ["out/**"], skip: [] }, { files: none, folders: new Set(["tmp"]) });
    expect(found.files.map((file) => file.path)).toContain("out/old.pt");
  });

  test("the folders a watch names because it never watches them (.git, the store) do not widen the search", async () => {
    const root = tempDir("exprag-outputs-unwatched-");
    mkdirSync(join(root, "checkpoints"));
    for (let i = 0; i < 50; i++) writeFileSync(join(root, "checkpoints", `old${i}.pt`), "");
    await Bun.sleep(40); // as above
    const since = Date.now();
    writeFileSync(join(root, "checkpoints", "new.pt"), "weights");
    // Each of them there, with files made during the run: the search passes them over by its rules.
    for (const folder of [".exprag", ".git", "node_modules", "venv"]) {
      mkdirSync(join(root, folder));
      writeFileSync(join(root, folder, "new"), "");
    }
    writeFileSync(join(root, "venv", "pyvenv.cfg"), "version = 3.11\n");
    const request = { root, since, globs: ["checkpoints/**"], skip: [join(root, ".exprag")], maxEntries: 20 };
    const found = findOutputs(request, { files: new Set(["checkpoints/new.pt"]), folders: new Set([".exprag", ".git", "node_modules", "venv"]) });
    expect(found.files.map((file) => file.path)).toEqual(["checkpoints/new.pt"]);
    expect(found.incomplete).toBeUndefined();
  });

  test("the search again after a second name is seen counts every entry it reads, as the whole search does", async () => {
    const root = tempDir("exprag-outputs-again-");
    mkdirSync(join(root, "big", "out"), { recursive: true });
    mkdirSync(join(root, "c"));
    for (let i = 0; i < 40; i++) writeFileSync(join(root, "big", `f${i}`), "");
    for (let i = 0; i < 30; i++) writeFileSync(join(root, "c", `f${i}`), "");
    await Bun.sleep(40); // as above
    const since = Date.now();
    writeFileSync(join(root, "big", "out", "model.pt"), "weights");
    linkSync(join(root, "big", "out", "model.pt"), join(root, "big", "out", "second.pt"));
    writeFileSync(join(root, "c", "new.txt"), "");
    const request = { root, since, globs: ["big/out/**", "c/*"], skip: [], maxEntries: 60 };
    const whole = findOutputs(request);
    const watched = findOutputs(request, { files: new Set<string>(), folders: new Set(["big"]) });
    expect(whole.incomplete).toBeDefined();
    expect({ files: watched.files.map((file) => file.path), incomplete: watched.incomplete }).toEqual({
      files: whole.files.map((file) => file.path),
      incomplete: whole.incomplete,
    });
  });

  test("the globs' folders' parents are read once, however many globs name folders in them", async () => {
    const root = tempDir("exprag-outputs-parents-");
    for (let i = 0; i < 30; i++) mkdirSync(join(root, "runs", `r${i}`), { recursive: true });
    await Bun.sleep(40); // as above
    const since = Date.now();
    for (let i = 0; i < 10; i++) writeFileSync(join(root, "runs", `r${i}`, "model.pt"), "");
    const globs = Array.from({ length: 10 }, (_, i) => `runs/r${i}/**`);
    // The root (1 entry), runs (30) once, and each of the ten folders (1 each): 41, not 310.
    const found = findOutputs({ root, since, globs, skip: [], maxEntries: 45 });
    expect(found.files).toHaveLength(10);
    expect(found.incomplete).toBeUndefined();
  });

  test("a folder named inside another named one is searched once, with it", async () => {
    const { root, since } = await folderWithBigSibling(4);
    const found = findOutputs({ root, since, globs: [], skip: [], maxEntries: 9 }, { files: none, folders: new Set(["big", "out", "", "out"]) });
    expect(found.files.map((file) => file.path)).toEqual(["out/log.txt", "out/model.pt"]);
    expect(found.incomplete).toBeUndefined(); // the root's 2 entries, big's 4 and out's 2: each read once
    expect(findOutputs({ root, since, globs: [], skip: [], maxEntries: 7 }, { files: none, folders: new Set(["big", "out", ""]) }).incomplete).toBeDefined();
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

describe("the folders a watch named, kept to the globs' folders", () => {
  test.each([
    [["a", "b/c"], [""], ["a", "b/c"]],
    [["a", "a/b", "ab"], [""], ["a", "ab"]],
    [["out/e1", "out/e1/x", "out/e2"], ["out"], ["out/e1", "out/e2"]],
    [[""], ["out/e1", "logs"], ["logs", "out/e1"]],
    [["out"], ["out/e1"], ["out/e1"]],
    [["", "data"], ["out/e1", "logs"], null],
    [["out/e1", "data"], ["out"], null],
    [["outer"], ["out"], null],
  ] as [string[], string[], string[] | null][])("%j within %j: %j", (named, starts, kept) => {
    expect(foldersWithin(named, starts)).toEqual(kept);
  });
});

describe.skipIf(process.platform === "win32")("a run whose search stops", () => {
  const STOPPED = "the search stopped after 10 folder entries: files past them were not looked at";

  /** `command` run quietly in `root`, its search bounded at 10 entries: what it warned and the value of its outputs record. */
  async function boundedRun(root: string, command: string[], globs: string[]): Promise<{ warnings: string[]; outputs: unknown }> {
    const warnings: string[] = [];
    const context = { ...QUIET_CONTEXT, outputs: { globs, keep: false, maxEntries: 10 } };
    const outcome = await runCommand(quietRunRequest(root, command, { context, warn: (message) => warnings.push(message) }));
    expect(outcome.status).toBe("ok");
    const records = readFileSync(outcome.runFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    return { warnings, outputs: records.find((record) => record.kind === "outputs")?.value };
  }

  test("records the outputs it found with the reason, and warns once how to narrow it", async () => {
    const { root } = await folderWithBigSibling();
    const wrote = await boundedRun(root, ["sh", "-c", "echo new > out/new.txt"], []);
    expect(wrote.warnings).toEqual([`outputs under ${root}: ${STOPPED}; --outputs 'FOLDER/**' looks only in FOLDER`]);
    expect(wrote.outputs).toMatchObject({ root, incomplete: STOPPED });
    // A run that left nothing it could find still records that its search stopped, and names
    // the folders its globs gave where those are what holds too much.
    const nothing = await boundedRun(root, ["true"], ["big/**"]);
    expect(nothing.warnings).toEqual([`outputs under ${root}: ${STOPPED}; the folders --outputs names hold more than that`]);
    expect(nothing.outputs).toEqual({ root, files: [], globs: ["big/**"], incomplete: STOPPED });
  }, 30_000);
});
