import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitFiles, git, makeRepo, runIn, workTreeFiles, write } from "./git-harness";
import { exprag, onlyRun, runFiles, runStart, tempDir } from "./harness";

describe("the project config", () => {
  test("dir in .exprag.toml is the store every command uses, from any subfolder; --dir and EXPRAG_DIR win", async () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "src", "deep"), { recursive: true });
    writeFileSync(join(repo, ".exprag.toml"), 'dir = "experiments/store"\n');
    const run = await exprag(["run", "--name", "configured", "--", "true"], { cwd: join(repo, "src") });
    expect(run.exitCode).toBe(0);
    const store = join(repo, "experiments", "store");
    expect(runFiles(store)).toHaveLength(1);
    expect(existsSync(join(repo, ".exprag"))).toBe(false);
    const listed = await exprag(["ls", "--json"], { cwd: join(repo, "src", "deep") });
    expect(JSON.parse(listed.text).map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["configured"]);
    expect((await exprag(["ls", "--json", "--dir", join(repo, "other")], { cwd: repo })).text).toBe("[]\n");
    expect((await exprag(["ls", "--json"], { cwd: repo, env: { EXPRAG_DIR: join(repo, "other") } })).text).toBe("[]\n");
    expect((await exprag(["help"], { cwd: repo })).text).toContain(`\n  Here: ${store}\n`);
  });

  test("[tool.exprag] in pyproject.toml counts too", async () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    writeFileSync(join(repo, "pyproject.toml"), '[project]\nname = "demo"\n\n[tool.exprag]\ndir = "runs-here"\n');
    await exprag(["run", "--", "true"], { cwd: repo });
    expect(runFiles(join(repo, "runs-here"))).toHaveLength(1);
  });

  test("a bad key or value fails every command that reads the store, naming the file and the key", async () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    writeFileSync(join(repo, "pyproject.toml"), '[tool.exprag]\ndri = "x"\n');
    const file = join(repo, "pyproject.toml");
    for (const args of [["ls"], ["run", "--", "true"], ["show", "latest"]]) {
      const result = await exprag(args, { cwd: repo });
      expect({ args, code: result.exitCode, stderr: result.stderr }).toEqual({
        args,
        code: 2,
        stderr: `exprag: error: ${file}: unknown key "dri" in [tool.exprag]; did you mean 'dir'? known keys: dir, snapshot-max-size, snapshot-exclude, not-code, log, params, name, pty, outputs, keep-outputs, goal, seed-params, stop-when, time-limit, stop-grace, slurm\n`,
      });
    }
    writeFileSync(file, "[tool.exprag]\nlog = 1\n");
    expect((await exprag(["ls"], { cwd: repo })).stderr).toBe(`exprag: error: ${file}: [tool.exprag] log must be true or false, got 1\n`);
    // The help still says where the store would be, and why it cannot.
    const help = await exprag(["--help"], { cwd: repo });
    expect(help.exitCode).toBe(0);
    expect(help.text).toContain(`Here: cannot be told (${file}: [tool.exprag] log must be true or false, got 1)`);
    // --dir never reads the config, nor does a question that names what the config would say.
    expect((await exprag(["ls", "--json", "--dir", join(repo, "s")], { cwd: repo })).exitCode).toBe(0);
    expect((await exprag(["best", "metrics.acc", "--max", "--json", "--dir", join(repo, "s")], { cwd: repo })).exitCode).toBe(0);
    // One that leaves the metric to the goal reads it, and says what is wrong with it.
    expect((await exprag(["best", "--dir", join(repo, "s")], { cwd: repo })).stderr).toContain("log must be true or false");
  });

  test("the run keys set run's defaults: name, log, params, snapshot-max-size, snapshot-exclude; flags win", async () => {
    const repo = makeRepo();
    write(repo, ".exprag.toml", 'name = "house-default"\nlog = false\nparams = false\nsnapshot-max-size = "1K"\nsnapshot-exclude = ["*.ckpt", "data/"]\n');
    write(repo, "model.ckpt", "weights\n");
    write(repo, "data/big/part-1.csv", "a,b\n");
    write(repo, "big.bin", "x".repeat(2048));
    write(repo, "notes.txt", "kept\n");
    const verbose = await runIn(repo, ["run", "--verbose", "--", "sh", "-c", "echo out", "train", "--lr", "0.1"]);
    expect(verbose.exitCode).toBe(0);
    expect(verbose.stderr).toContain(`project config: ${join(repo, ".exprag.toml")}`);
    const store = join(repo, ".exprag");
    const records = onlyRun(store);
    expect(records[0]!.experiment_name).toBe("house-default");
    const start = runStart(records) as { params?: unknown; git: { commit: string; skipped: { path: string; reason: string }[] } };
    expect(start.params).toBeUndefined();
    expect(existsSync(join(store, "runs", `${records[0]!.run_id}.log`))).toBe(false);
    const skipped = Object.fromEntries(start.git.skipped.map(({ path, reason }) => [path, reason]));
    expect(skipped).toEqual({
      "model.ckpt": "excluded by snapshot-exclude",
      "data/big/part-1.csv": "excluded by snapshot-exclude",
      "big.bin": "larger than 1024 bytes",
    });
    const files = Object.keys(commitFiles(repo, start.git.commit));
    expect(files).toContain("notes.txt");
    expect(files).toContain(".exprag.toml");
    expect(files).not.toContain("model.ckpt");

    // Flags win over the config; the code of a run compares equal to the work tree it came from.
    const flagged = await runIn(repo, [
      "run",
      "--name",
      "chosen",
      "--log",
      "--params",
      "--snapshot-max-size",
      "1M",
      "--",
      "sh",
      "-c",
      "echo out",
      "train",
      "--lr",
      "0.2",
    ]);
    expect(flagged.exitCode).toBe(0);
    const listed = JSON.parse((await runIn(repo, ["ls", "--json"])).text) as { run_id: string; experiment_name: string }[];
    expect(listed[0]!.experiment_name).toBe("chosen");
    const shown = JSON.parse((await runIn(repo, ["show", "latest", "--json"])).text) as {
      run_id: string;
      params?: Record<string, unknown>;
      git: { skipped: { path: string }[] };
    };
    expect(shown.params).toEqual({ lr: 0.2 });
    expect(shown.git.skipped.map((entry) => entry.path).sort()).toEqual(["data/big/part-1.csv", "model.ckpt"]);
    expect(existsSync(join(store, "runs", `${shown.run_id}.log`))).toBe(true);
    expect((await runIn(repo, ["diff", "latest~1", "--quiet"])).exitCode).toBe(0);

    // Without a config file, --verbose says so.
    const bare = makeRepo();
    expect((await runIn(bare, ["run", "--verbose", "--", "true"])).stderr).toContain("no project config");
  });
});

describe("the goal in the project config", () => {
  test("[goal] names the metric and its direction; a bad one fails naming the key", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "val"\ndirection = "up"\n');
    const bad = await exprag(["brief"], { cwd });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('goal.direction must be "max" or "min", got "up"');
    writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "val"\nsense = "min"\n');
    expect((await exprag(["brief"], { cwd })).stderr).toContain('unknown key "sense" in goal');
    writeFileSync(join(cwd, ".exprag.toml"), 'goal = "val"\n');
    expect((await exprag(["brief"], { cwd })).exitCode).toBe(2);
    writeFileSync(join(cwd, ".exprag.toml"), "seed-params = [1]\n");
    expect((await exprag(["brief"], { cwd })).stderr).toContain("seed-params must be a list of param names");
    writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "val_loss"\n');
    expect(JSON.parse((await exprag(["brief", "--json"], { cwd })).text).goal).toEqual({ metric: "val_loss", direction: "min" });
  });

  test("a goal without a metric, or whose metric is an aggregate or a condition, fails saying what a metric is", async () => {
    const cwd = tempDir();
    const brief = async (toml: string, ...args: string[]) => {
      writeFileSync(join(cwd, ".exprag.toml"), toml);
      const result = await exprag(["brief", ...args], { cwd });
      expect(result.exitCode).toBe(2);
      return result.stderr;
    };
    expect(await brief('[goal]\ndirection = "min"\n')).toContain("[goal] names no metric; e.g. [goal] metric =");
    // Before, these were taken for paths no run would ever have: "no run reported max(metrics.acc) yet".
    expect(await brief('[goal]\nmetric = "max(metrics.acc)"\n')).toStartWith(
      "exprag: error: [goal] metric in the project config: 'max(metrics.acc)' is an aggregate, not a value path; name the path (metrics.acc)",
    );
    expect(await brief('[goal]\nmetric = "metrics.acc > 0.9"\n')).toContain("'metrics.acc > 0.9' is a condition, not a value path");
    expect(await brief("", "--metric", "mean(val_loss)")).toStartWith(
      "exprag: error: 'mean(val_loss)' is an aggregate, not a value path; name the path (val_loss), and which way is better with --max or --min (best ranks by the mean with --agg mean)",
    );
  });
});

describe("a project config committed by someone else", () => {
  /** A clone of a repository whose author committed `.exprag.toml` with this `dir`. */
  function cloneWith(dir: string, extra: Record<string, string> = {}): { clone: string; root: string } {
    const origin = makeRepo({ ".exprag.toml": `dir = ${JSON.stringify(dir)}\n`, "train.py": "x\n", ...extra });
    const root = tempDir();
    git(root, "clone", "-q", origin, "clone");
    return { clone: join(root, "clone"), root };
  }

  for (const [what, dir] of [
    ["a folder above the work tree", "../stolen"],
    ["an absolute path", "/tmp/exprag-config-escape-store"],
    ["a folder inside .git", ".git/refs/heads/x"],
    ["a folder inside .git, spelt otherwise", "sub/../.GIT/exprag"],
  ] as const) {
    test(`cannot put the store in ${what}: usage error, nothing written; --dir and EXPRAG_DIR still choose any folder`, async () => {
      const { clone, root } = cloneWith(dir);
      const before = workTreeFiles(root);
      const result = await runIn(clone, ["run", "--", "touch", "ran"]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`${join(clone, ".exprag.toml")}: dir = `);
      expect(result.stderr).toContain("a project config keeps the store in the work tree, outside .git");
      expect(existsSync(join(clone, "ran"))).toBe(false);
      expect(workTreeFiles(root)).toEqual(before);
      expect(existsSync("/tmp/exprag-config-escape-store")).toBe(false);
      expect(git(clone, "for-each-ref", "refs/heads")).not.toContain("refs/heads/x/");
      const chosen = join(tempDir(), "chosen");
      expect((await runIn(clone, ["run", "--dir", chosen, "--", "true"])).exitCode).toBe(0);
      expect(runFiles(chosen)).toHaveLength(1);
      const viaEnv = join(tempDir(), "via-env");
      expect((await runIn(clone, ["run", "--", "true"], { EXPRAG_DIR: viaEnv })).exitCode).toBe(0);
      expect(runFiles(viaEnv)).toHaveLength(1);
    }, 30_000);
  }

  test("cannot lead out of the work tree through a committed link", async () => {
    const outside = tempDir();
    const origin = makeRepo({ ".exprag.toml": 'dir = "link/store"\n', "train.py": "x\n" });
    symlinkSync(outside, join(origin, "link"));
    git(origin, "add", "link");
    git(origin, "commit", "-qm", "link");
    const root = tempDir();
    git(root, "clone", "-q", origin, "clone");
    const result = await runIn(join(root, "clone"), ["run", "--", "true"]);
    expect(result.exitCode).toBe(2);
    expect(readdirSync(outside)).toEqual([]);
  }, 30_000);
});
