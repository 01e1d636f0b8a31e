import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exprag, runFiles, tempDir } from "./harness";

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
        stderr: `exprag: error: ${file}: unknown key "dri" in [tool.exprag]; did you mean 'dir'? known keys: dir, snapshot-max-size, snapshot-exclude, log, params, name, pty\n`,
      });
    }
    writeFileSync(file, "[tool.exprag]\nlog = 1\n");
    expect((await exprag(["ls"], { cwd: repo })).stderr).toBe(`exprag: error: ${file}: [tool.exprag] log must be true or false, got 1\n`);
    // The help still says where the store would be, and why it cannot.
    const help = await exprag(["--help"], { cwd: repo });
    expect(help.exitCode).toBe(0);
    expect(help.text).toContain(`Here: cannot be told (${file}: [tool.exprag] log must be true or false, got 1)`);
    // --dir never reads the config.
    expect((await exprag(["ls", "--json", "--dir", join(repo, "s")], { cwd: repo })).exitCode).toBe(0);
  });
});
