import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_KEYS, loadProjectConfig } from "../../../src/core/config";
import { resolveStoreDir } from "../../../src/core/store-location";
import { failureOf } from "../failure";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A work tree (a `.git` folder at its top) holding `files`. */
function project(files: Record<string, string>): string {
  const top = mkdtempSync(join(tmpdir(), "exprag-config-"));
  made.push(top);
  mkdirSync(join(top, ".git"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(top, path, ".."), { recursive: true });
    writeFileSync(join(top, path), text);
  }
  return top;
}

const env = {};

describe("reading the project config", () => {
  test("every key of .exprag.toml, typed; a relative dir is read from the file's folder", () => {
    const top = project({
      ".exprag.toml": [
        'dir = "runs-store"',
        'snapshot-max-size = "5M"',
        'snapshot-exclude = ["*.ckpt", "data/**"]',
        "log = false",
        "params = false",
        'name = "baseline"',
        "pty = true",
        'stop-when = ["diverged", "loss > 5"]',
        'time-limit = "2h"',
        "stop-grace = 10",
        'outputs = ["checkpoints/**", "*.pt"]',
        "keep-outputs = true",
        'seed-params = ["seed", "trial"]',
        "[goal]",
        'metric = "val_bpb"',
        'direction = "min"',
        "[slurm]",
        'partition = "gpu"',
        'time = "1:00:00"',
        "gpus = 2",
        'extra = ["--qos=low"]',
      ].join("\n"),
    });
    expect(loadProjectConfig(top, env)).toEqual({
      dir: join(top, "runs-store"),
      snapshotMaxSize: 5 * 1024 * 1024,
      snapshotExclude: ["*.ckpt", "data/**"],
      log: false,
      params: false,
      name: "baseline",
      pty: true,
      outputs: ["checkpoints/**", "*.pt"],
      keepOutputs: true,
      seedParams: ["seed", "trial"],
      goal: { metric: "val_bpb", direction: "min" },
      stopWhen: ["diverged", "loss > 5"],
      timeLimit: "2h",
      stopGrace: "10",
      slurm: { partition: "gpu", time: "1:00:00", gpus: 2, extra: ["--qos=low"] },
      source: join(top, ".exprag.toml"),
    });
    expect(CONFIG_KEYS).toEqual([
      "dir",
      "snapshot-max-size",
      "snapshot-exclude",
      "not-code",
      "log",
      "params",
      "name",
      "pty",
      "outputs",
      "keep-outputs",
      "goal",
      "seed-params",
      "stop-when",
      "time-limit",
      "stop-grace",
      "slurm",
    ]);
  });

  test("[tool.exprag] of pyproject.toml, found from a subfolder; a size may be a number of bytes", () => {
    const top = project({
      "pyproject.toml": '[project]\nname = "x"\n\n[tool.exprag]\ndir = "store"\nsnapshot-max-size = 1000\n',
      "src/pkg/mod.py": "",
    });
    expect(loadProjectConfig(join(top, "src", "pkg"), env)).toEqual({ dir: join(top, "store"), snapshotMaxSize: 1000, source: join(top, "pyproject.toml") });
  });

  test("the nearest folder wins; in one folder .exprag.toml wins over pyproject.toml", () => {
    const top = project({
      ".exprag.toml": 'name = "top"',
      "pyproject.toml": '[tool.exprag]\nname = "top-py"',
      "sub/pyproject.toml": '[tool.exprag]\nname = "sub"',
      "other/pyproject.toml": '[project]\nname = "no exprag here"',
    });
    expect(loadProjectConfig(top, env)?.name).toBe("top");
    expect(loadProjectConfig(join(top, "sub"), env)?.name).toBe("sub");
    // A pyproject.toml without [tool.exprag] is passed by.
    expect(loadProjectConfig(join(top, "other"), env)?.name).toBe("top");
  });

  test("the search stops at the top of the work tree", () => {
    const outer = project({ ".exprag.toml": 'name = "outside"' });
    mkdirSync(join(outer, "inner", ".git"), { recursive: true });
    expect(loadProjectConfig(join(outer, "inner"), env)).toBeNull();
    expect(loadProjectConfig(outer, env)?.name).toBe("outside");
  });

  test("a broken pyproject.toml without exprag's table is none of its business, even one that depends on exprag", () => {
    const top = project({ "pyproject.toml": "[project\nname = = 1" });
    expect(loadProjectConfig(top, env)).toBeNull();
    for (const dependency of ['  "exprag>=0.1",', '  "exprag==0.1.0",', '[tool.poetry.dependencies]\nexprag = "^0.1"']) {
      const dependent = project({ "pyproject.toml": `[project\ndependencies = [\n${dependency}\n]\nname = = 1` });
      expect(loadProjectConfig(dependent, env)).toBeNull();
    }
    // A broken one that has it still says so.
    const broken = project({ "pyproject.toml": '[tool.exprag]\ndir = = "x"' });
    expect(() => loadProjectConfig(broken, env)).toThrow("not valid TOML");
    const keyed = project({ "pyproject.toml": '[tool]\nexprag = { dir = "store" }\n' });
    expect(loadProjectConfig(keyed, env)).toMatchObject({ dir: join(keyed, "store") });
  });

  test.each([
    ['colour = "never"', 'unknown key "colour"'],
    ['dri = "x"', 'unknown key "dri"'],
    ["log = 0", "log must be true or false, got 0"],
    ['log = "no"', 'log must be true or false, got "no"'],
    ['name = ""', 'name must be a non-empty string, got ""'],
    ["dir = 5", "dir must be a non-empty string, got 5"],
    ['snapshot-exclude = "*.ckpt"', 'snapshot-exclude must be a list of globs such as ["*.ckpt", "data/**"], got "*.ckpt"'],
    ["snapshot-exclude = [1]", 'snapshot-exclude must be a list of globs such as ["*.ckpt", "data/**"], got a list ([1])'],
    ['not-code = ".claude/"', 'not-code must be a list of folders and globs such as [".claude/", "notes/**"], got ".claude/"'],
    ["snapshot-max-size = true", 'snapshot-max-size must be a size such as "10M", "500K", or a number of bytes, got true'],
    ['snapshot-max-size = "huge"', 'snapshot-max-size in FILE expects a size such as 10M, 500K or 1048576, got "huge"'],
    ["pty = { on = true }", "pty must be true or false, got a table"],
    ["stop-when = [1]", 'stop-when must be a rule or a list of rules such as ["diverged", "metrics.loss > 5"], got a list ([1])'],
    ['time-limit = "soon"', 'time-limit must be a duration such as "90s", "10m", "2h", or a number of seconds, got "soon"'],
    ["stop-grace = -1", 'stop-grace must be a duration such as "90s", "10m", "2h", or a number of seconds, got -1'],
    // Numbers a run would refuse are refused as the config is read, not by run alone.
    ["time-limit = inf", 'time-limit must be a duration such as "90s", "10m", "2h", or a number of seconds, got Infinity'],
    ["stop-grace = 1e-9", 'stop-grace must be a duration such as "90s", "10m", "2h", or a number of seconds, got 1e-9'],
    ["time-limit = 1e300", 'time-limit must be a duration such as "90s", "10m", "2h", or a number of seconds, got 1e+300'],
    ["log = = 1", "not valid TOML (Expected a value but found '=')"],
    ['slurm = "gpu"', 'slurm must be a table ([slurm]) of partition, time, gpus and extra, got "gpu"'],
    ["[slurm]\ngpus = -1", "slurm.gpus must be a whole number of GPUs per task, got -1"],
    ['[slurm]\nextra = ["qos=low"]', 'slurm.extra must be a list of sbatch options such as ["--qos=low", "--account=lab"], got a list (["qos=low"])'],
    ['[slurm]\nqueue = "x"', 'unknown key "queue" in [slurm]'],
  ])("%p fails naming the file and the key: %p", (line, message) => {
    const top = project({ ".exprag.toml": line });
    const file = join(top, ".exprag.toml");
    const [code, text] = failureOf(() => loadProjectConfig(top, env));
    expect(code).toBe(2);
    expect(text).toBe(message.includes("FILE") ? message.replace("FILE", file) : `${file}: ${message}`);
  });

  test("an unknown key is told the known ones, and the closest", () => {
    const top = project({ "pyproject.toml": '[tool.exprag]\nsnapshot-max = "1M"' });
    try {
      loadProjectConfig(top, env);
      throw new Error("did not fail");
    } catch (error) {
      expect((error as Error).message).toBe(`${join(top, "pyproject.toml")}: unknown key "snapshot-max" in [tool.exprag]`);
      expect((error as { hint?: string }).hint).toBe(
        "did you mean 'snapshot-max-size'? known keys: dir, snapshot-max-size, snapshot-exclude, not-code, log, params, name, pty, outputs, keep-outputs, goal, seed-params, stop-when, time-limit, stop-grace, slurm",
      );
    }
    const typo = project({ ".exprag.toml": "lgo = false" });
    expect(() => loadProjectConfig(typo, env)).toThrow(expect.objectContaining({ hint: expect.stringMatching(/^did you mean 'log'\? known keys:/) }));
  });

  test("in pyproject.toml a key is named with its table", () => {
    const top = project({ "pyproject.toml": '[tool.exprag]\nlog = "no"' });
    expect(failureOf(() => loadProjectConfig(top, env))[1]).toBe(`${join(top, "pyproject.toml")}: [tool.exprag] log must be true or false, got "no"`);
  });
});

describe("where the store is", () => {
  test("--dir, then EXPRAG_DIR, then the config's dir, then the store found", () => {
    const top = project({ ".exprag.toml": 'dir = "configured"', "sub/.exprag/runs/.keep": "" });
    const sub = join(top, "sub");
    expect(resolveStoreDir("flag", { EXPRAG_DIR: "/env" }, sub)).toBe(join(sub, "flag"));
    expect(resolveStoreDir(undefined, { EXPRAG_DIR: "/env" }, sub)).toBe("/env");
    expect(resolveStoreDir(undefined, {}, sub)).toBe(join(top, "configured"));
    const plain = project({ "sub/.exprag/runs/.keep": "" });
    expect(resolveStoreDir(undefined, {}, join(plain, "sub"))).toBe(join(plain, "sub", ".exprag"));
    expect(resolveStoreDir(undefined, {}, plain)).toBe(join(plain, ".exprag"));
  });

  test("a bad config fails only when it is read: --dir and EXPRAG_DIR never read it", () => {
    const top = project({ ".exprag.toml": "bogus = 1" });
    expect(resolveStoreDir("x", {}, top)).toBe(join(top, "x"));
    expect(resolveStoreDir(undefined, { EXPRAG_DIR: "/env" }, top)).toBe("/env");
    expect(failureOf(() => resolveStoreDir(undefined, {}, top))).toEqual([2, `${join(top, ".exprag.toml")}: unknown key "bogus"`]);
  });
});
