import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, isRoot, readRecords, runFiles, tempDir, works } from "./harness";
import { atTerminal, hasPty } from "./terminal";

const sha256 = (text: string) => `sha256:${new Bun.CryptoHasher("sha256").update(text).digest("hex")}`;

async function json(repo: string, ...args: string[]) {
  const result = await runIn(repo, [...args, "--json"]);
  expect(result.stderr).not.toContain("error");
  return JSON.parse(result.text);
}

/** A repository whose .gitignore ignores checkpoints, a store, a virtualenv and node_modules. */
function project(): string {
  const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": "ckpt/\n*.log\nvenv/\nnode_modules/\n" });
  mkdirSync(join(repo, "venv"));
  writeFileSync(join(repo, "venv", "pyvenv.cfg"), "version = 3.11.0\n");
  mkdirSync(join(repo, "node_modules"));
  return repo;
}

describe("exprag run: outputs", () => {
  test("records the files created or changed while it ran, ignored ones included, with size and hash; not .git, the store, a virtualenv or node_modules", async () => {
    const repo = project();
    write(repo, "data.csv", "old\n");
    write(repo, "untouched.txt", "same\n");
    const script =
      "mkdir -p ckpt; printf ab > ckpt/model.pt; echo new > data.csv; echo x > venv/lib.py; echo y > node_modules/m.js; echo z > train.log; git status >/dev/null";
    const result = await runIn(repo, ["run", "--", "sh", "-c", script]);
    expect(result.exitCode).toBe(0);
    const records = readRecords(runFiles(join(repo, ".exprag"))[0]!);
    expect(records.map((r) => r.kind).slice(-2)).toEqual(["outputs", "run_end"]);
    const outputs = records.at(-2)!.value;
    expect(outputs.root).toBe(JSON.parse((await runIn(repo, ["show", "latest", "--json"])).text).git.top);
    expect(outputs.files.map((f: { path: string }) => f.path)).toEqual(["ckpt/model.pt", "data.csv", "train.log"]);
    expect(outputs.files[0]).toMatchObject({ path: "ckpt/model.pt", size: 2, hash: sha256("ab") });
    expect(outputs.files[0].mtime_ms).toBeGreaterThan(Date.now() - 600_000);
    const shown = await json(repo, "show", "latest");
    expect(shown.outputs).toEqual({ root: outputs.root, count: 3, incomplete: null });
  }, 30_000);

  test("--outputs looks only where its globs match: a name anywhere, or a path", async () => {
    const repo = project();
    await runIn(repo, [
      "run",
      "--outputs",
      "*.pt",
      "--outputs",
      "preds/**",
      "--",
      "sh",
      "-c",
      "mkdir -p ckpt preds; echo 1 > ckpt/a.pt; echo 2 > preds/p.csv; echo 3 > other.txt",
    ]);
    const answer = await json(repo, "outputs", "latest");
    expect(answer.files.map((f: { path: string }) => f.path)).toEqual(["ckpt/a.pt", "preds/p.csv"]);
  }, 30_000);

  test("outputs says which files are still the run's, which a later run overwrote, which changed or are gone; --path gives what to load", async () => {
    const repo = project();
    await runIn(repo, [
      "run",
      "--name",
      "first",
      "--",
      "sh",
      "-c",
      "mkdir -p ckpt; echo one > ckpt/model.pt; echo p > preds.csv; echo q > gone.txt; echo r > edited.txt",
    ]);
    await runIn(repo, ["run", "--name", "second", "--", "sh", "-c", "echo two > ckpt/model.pt"]);
    writeFileSync(join(repo, "edited.txt"), "edited by hand\n");
    Bun.spawnSync(["rm", join(repo, "gone.txt")]);
    const second = await json(repo, "show", "latest");
    const answer = await json(repo, "outputs", "latest~1");
    const states = Object.fromEntries(
      answer.files.map((f: { path: string; state: string; overwritten_by: string | null }) => [f.path, [f.state, f.overwritten_by]]),
    );
    expect(states).toEqual({
      "ckpt/model.pt": ["overwritten", second.short_id],
      "edited.txt": ["changed", null],
      "gone.txt": ["missing", null],
      "preds.csv": ["current", null],
    });
    expect(answer.files.find((f: { path: string }) => f.path === "preds.csv").load).toBe(join(answer.root, "preds.csv"));
    const paths = await runIn(repo, ["outputs", "latest~1", "--path"]);
    expect(paths.text).toBe(`${join(answer.root, "preds.csv")}\n`);
    const none = await runIn(repo, ["outputs", "latest~1", "*.pt", "--path"]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("no output of run");
    expect(none.stderr).toContain("--keep-outputs keeps copies");
    const table = await runIn(repo, ["outputs", "latest~1"]);
    expect(table.text).toContain(`overwritten by ${second.short_id}`);
    const latest = await json(repo, "outputs", "latest", "*.pt");
    expect(latest.files.map((f: { path: string; state: string }) => [f.path, f.state])).toEqual([["ckpt/model.pt", "current"]]);
  }, 60_000);

  test("--keep-outputs keeps a copy that outlives the overwrite; checkout --outputs brings it back", async () => {
    const repo = project();
    await runIn(repo, ["run", "--keep-outputs", "--", "sh", "-c", "mkdir -p ckpt; echo best > ckpt/model.pt"]);
    await runIn(repo, ["run", "--", "sh", "-c", "echo worse > ckpt/model.pt"]);
    const answer = await json(repo, "outputs", "latest~1");
    const [model] = answer.files;
    expect(model).toMatchObject({ path: "ckpt/model.pt", kept: true, state: "overwritten" });
    expect(readFileSync(model.kept_copy, "utf8")).toBe("best\n");
    expect((await runIn(repo, ["outputs", "latest~1", "--path"])).text).toBe(`${model.kept_copy}\n`);

    const elsewhere = join(tempDir(), "restored");
    const checkout = await json(repo, "checkout", "latest~1", "--worktree", elsewhere, "--restore-outputs");
    expect(checkout.outputs).toEqual({ restored: ["ckpt/model.pt"], not_kept: [] });
    expect(readFileSync(join(elsewhere, "ckpt", "model.pt"), "utf8")).toBe("best\n");

    // In place, another version in the way stops it before anything moves.
    const refused = await runIn(repo, ["checkout", "latest~1", "--restore-outputs"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("the work tree holds other versions of ckpt/model.pt");
    expect(readFileSync(join(repo, "ckpt", "model.pt"), "utf8")).toBe("worse\n");
  }, 60_000);

  test("rerun --restore-outputs puts the kept outputs in the rerun's worktree before its command starts", async () => {
    const repo = project();
    const script = "cat ckpt/model.pt 2>/dev/null || echo fresh; mkdir -p ckpt; echo trained > ckpt/model.pt";
    await runIn(repo, ["run", "--keep-outputs", "--", "sh", "-c", script]);
    expect((await runIn(repo, ["log", "latest"])).text).toBe("fresh\n");
    const rerun = await runIn(repo, ["rerun", "latest", "--restore-outputs"]);
    expect(rerun.exitCode).toBe(0);
    expect((await runIn(repo, ["log", "latest"])).text).toBe("trained\n");
  }, 60_000);

  test("rerun --restore-outputs never writes through a link into the work tree: the user's newer file stays", async () => {
    const repo = project();
    const script = "test -f ckpt/model.pt || { mkdir -p ckpt; echo RUN1 > ckpt/model.pt; }; cat ckpt/model.pt";
    await runIn(repo, ["run", "--keep-outputs", "--", "sh", "-c", script]);
    writeFileSync(join(repo, "ckpt", "model.pt"), "NEWER USER WEIGHTS\n");
    const rerun = await runIn(repo, ["rerun", "latest", "--restore-outputs"]);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    // The rerun resumed from the run's kept copy, in its own worktree; the user's ignored ckpt/ is untouched.
    expect((await runIn(repo, ["log", "latest"])).text).toBe("RUN1\n");
    expect(readFileSync(join(repo, "ckpt", "model.pt"), "utf8")).toBe("NEWER USER WEIGHTS\n");
  }, 60_000);

  test("rerun --restore-outputs into a folder the run also reads from: the kept copy lands, the folder's other files are still seen", async () => {
    const repo = project();
    mkdirSync(join(repo, "ckpt"));
    writeFileSync(join(repo, "ckpt", "raw.txt"), "dataset\n");
    const script = "cat ckpt/raw.txt; cat ckpt/model.pt 2>/dev/null || echo fresh; echo trained > ckpt/model.pt";
    await runIn(repo, ["run", "--keep-outputs", "--", "sh", "-c", script]);
    expect((await runIn(repo, ["log", "latest"])).text).toBe("dataset\nfresh\n");
    const rerun = await runIn(repo, ["rerun", "latest", "--restore-outputs"]);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect((await runIn(repo, ["log", "latest"])).text).toBe("dataset\ntrained\n");
    expect(readFileSync(join(repo, "ckpt", "model.pt"), "utf8")).toBe("trained\n");
  }, 60_000);

  test("checkout --restore-outputs in place: a file of the run's code in the way is no reason to stop, and HEAD moves only when it succeeds", async () => {
    const repo = makeRepo({ "results.csv": "old\n", "train.sh": "echo new > results.csv\n" });
    write(repo, "train.sh", "echo new > results.csv\n# tweak\n");
    await runIn(repo, ["run", "-q", "--keep-outputs", "--", "sh", "train.sh"]);
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "results");
    const restored = await runIn(repo, ["checkout", "latest", "--restore-outputs", "--json"]);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(JSON.parse(restored.text).outputs).toEqual({ restored: ["results.csv"], not_kept: [] });
    expect(readFileSync(join(repo, "results.csv"), "utf8")).toBe("new\n");
  }, 60_000);

  test("rm deletes the copies a run kept", async () => {
    const repo = project();
    await runIn(repo, ["run", "--keep-outputs", "--", "sh", "-c", "echo a > kept.txt"]);
    const { files } = await json(repo, "outputs", "latest");
    expect(existsSync(files[0].kept_copy)).toBe(true);
    expect((await runIn(repo, ["rm", "latest", "--yes"])).exitCode).toBe(0);
    expect(existsSync(files[0].kept_copy)).toBe(false);
    // Copies of a run whose file went otherwise (deleted while it still ran, or by hand) go with gc.
    await runIn(repo, ["run", "--keep-outputs", "--", "sh", "-c", "echo b > kept.txt"]);
    const [left] = (await json(repo, "outputs", "latest")).files;
    rmSync(runFiles(join(repo, ".exprag"))[0]!);
    const dry = JSON.parse((await runIn(repo, ["gc", "--dry-run", "--json"])).text);
    expect(dry.outputs_deleted).toEqual([dirname(left.kept_copy)]);
    expect(existsSync(left.kept_copy)).toBe(true);
    expect((await runIn(repo, ["gc"])).exitCode).toBe(0);
    expect(existsSync(dirname(left.kept_copy))).toBe(false);
  }, 30_000);

  test("the run_outputs tool answers as exprag outputs --json", async () => {
    const repo = project();
    await runIn(repo, ["run", "--", "sh", "-c", "echo a > a.txt; echo b > b.txt"]);
    const transport = new StdioClientTransport({ command: EXPRAG, args: ["mcp"], cwd: repo, env: cleanEnv(gitEnv), stderr: "pipe" });
    const client = new Client({ name: "exprag-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      for (const args of [{ run: "latest" }, { run: "latest", globs: ["a.*"] }]) {
        const result = (await client.callTool({ name: "run_outputs", arguments: args })) as CallToolResult;
        expect(result.isError).toBeFalsy();
        const data = JSON.parse((result.content as { text: string }[])[1]!.text);
        expect(data).toEqual(await json(repo, "outputs", "latest", ...(args.globs ?? [])));
      }
    } finally {
      await client.close();
    }
  }, 30_000);
});

const canMountProc = isRoot && works("unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t proc proc /proc");
describe("exprag run: outputs outside a work tree", () => {
  test.skipIf(!canMountProc)(
    "a /proc mounted in the folder a run starts in is not searched: its files' times are always now",
    async () => {
      const cwd = tempDir();
      mkdirSync(join(cwd, "p"));
      const run = Bun.spawn(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", `mount -t proc proc p && exec ${EXPRAG} run --quiet -- sh -c 'echo x > made.txt'`],
        {
          cwd,
          env: cleanEnv(),
          stdout: "ignore",
          stderr: "pipe",
        },
      );
      const [stderr, code] = await Promise.all([new Response(run.stderr).text(), run.exited]);
      expect(code).toBe(0);
      expect(stderr).toBe("");
      const outputs = readRecords(runFiles(join(cwd, ".exprag"))[0]!).find((record) => record.kind === "outputs")!;
      expect((outputs.value as { files: { path: string }[] }).files.map((file) => file.path)).toEqual(["made.txt"]);
    },
    30_000,
  );
});

describe("exprag outputs: a hostile run file", () => {
  test("an output path that leads out of the run's folder is left out, with a warning, and never loaded", async () => {
    const repo = project();
    await runIn(repo, ["run", "--", "sh", "-c", "echo a > a.txt"]);
    const file = runFiles(join(repo, ".exprag"))[0]!;
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    const outputs = JSON.parse(lines.at(-2)!);
    outputs.value.files.push({ path: "../../../etc/passwd", size: 1, mtime_ms: 0, hash: "sha256:00" });
    lines[lines.length - 2] = JSON.stringify(outputs);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const result = await runIn(repo, ["outputs", "latest", "--path"]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe(`${join(outputs.value.root, "a.txt")}\n`);
    expect(result.stderr).toContain("1 output paths lead out of");
  }, 30_000);

  /** A run whose outputs record says it listed only some of its files (`more`) and stopped searching (`incomplete`, with an escape in it). */
  async function cutShort(): Promise<{ repo: string; root: string }> {
    const repo = project();
    await runIn(repo, ["run", "--", "sh", "-c", "echo a > a.txt"]);
    const file = runFiles(join(repo, ".exprag"))[0]!;
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    const outputs = JSON.parse(lines.at(-2)!);
    expect(outputs.kind).toBe("outputs");
    expect(outputs.value.incomplete).toBeUndefined(); // a small tree is searched whole
    Object.assign(outputs.value, { more: 2, incomplete: "the search stopped \u001b[31mearly" });
    lines[lines.length - 2] = JSON.stringify(outputs);
    writeFileSync(file, `${lines.join("\n")}\n`);
    return { repo, root: outputs.value.root };
  }

  test("a list the run cut short or stopped searching says so: outputs and show, as text and --json, the reason escaped", async () => {
    const { repo, root } = await cutShort();
    const text = await runIn(repo, ["outputs", "latest"]);
    expect(text.exitCode).toBe(0);
    expect(text.text).toContain("a.txt");
    expect(text.stderr).toContain("2 more files the run left, past the ones it listed");
    expect(text.stderr).toContain("the run's list may lack files it left: the search stopped \\e[31mearly");
    expect(text.stderr).not.toContain("\u001b[31m");
    const paths = await runIn(repo, ["outputs", "latest", "--path"]);
    expect(paths.text).toBe(`${join(root, "a.txt")}\n`);
    expect(paths.stderr).toContain("the run's list may lack files it left");
    const listed = await json(repo, "outputs", "latest");
    expect([listed.more, listed.incomplete]).toEqual([2, "the search stopped \u001b[31mearly"]);
    const shown = await json(repo, "show", "latest");
    expect(shown.outputs).toEqual({ root, count: 3, incomplete: "the search stopped \u001b[31mearly" });
    // Piped, show prints key and value a line each; the reason is escaped there too.
    expect((await runIn(repo, ["show", "latest"])).text).toContain("outputs.incomplete\tthe search stopped \\e[31mearly\n");
    // The tool's summary says it as well as its data.
    const transport = new StdioClientTransport({ command: EXPRAG, args: ["mcp"], cwd: repo, env: cleanEnv(gitEnv), stderr: "pipe" });
    const client = new Client({ name: "exprag-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: "run_outputs", arguments: { run: "latest" } })) as CallToolResult;
      const [summary, data] = (result.content as { text: string }[]).map((part) => part.text);
      expect(summary).toStartWith(`run ${listed.short_id}: 1 of 3 outputs\n`);
      expect(summary).toEndWith("\nthe run's list may lack files it left: the search stopped \\e[31mearly");
      expect(JSON.parse(data!)).toEqual(listed);
    } finally {
      await client.close();
    }
  }, 30_000);

  test.skipIf(!hasPty)(
    "at a terminal, show counts such a list's files as a floor",
    async () => {
      const { repo } = await cutShort();
      const tty = await atTerminal([EXPRAG, "show", "latest", "--color", "never"], { cwd: repo });
      expect(tty.output).toMatch(/\n {2}outputs {3}3 files, maybe more \(the search stopped early\): exprag outputs [0-9a-f]{8}\n/);
    },
    30_000,
  );

  test.skipIf(!hasPty)(
    "outputs --path escapes a file name's control characters at a terminal, and gives it as it is to a pipe",
    async () => {
      const repo = project();
      await runIn(repo, ["run", "-q", "--keep-outputs", "--", "sh", "-c", `echo x > "esc$(printf '\\033')[2Jname"`]);
      const tty = await atTerminal([EXPRAG, "outputs", "latest", "--path"], { cwd: repo });
      expect(tty.output).toContain("esc\\e[2Jname");
      expect(tty.output).not.toContain("\u001b");
      const piped = await runIn(repo, ["outputs", "latest", "--path"]);
      expect(piped.text).toContain("esc\u001b[2Jname");
    },
    30_000,
  );
});
