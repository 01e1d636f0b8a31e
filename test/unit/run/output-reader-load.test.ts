/**
 * The code that reads a command's output loads once the command has started (runner.ts): where it
 * cannot load, the command is ended and its run ends failed, saying why, rather than left running
 * with a run that reads as crashed. Run in a process of its own, whose loader fails that module.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "../../temp-dir";

const runner = resolve(import.meta.dir, "../../../src/core/run/runner.ts");

test("the output reader failing to load: the command killed, the run ended failed and saying so", async () => {
  const root = tempDir("exprag-reader-load-");
  writeFileSync(
    join(root, "fail-reader.ts"),
    `Bun.plugin({ name: "no-reader", setup(build) { build.onLoad({ filter: /[\\\\/]run[\\\\/]started\\.ts$/ }, () => ({ contents: 'throw new Error("no reader here");', loader: "ts" })); } });\n`,
  );
  // Left running, the command would keep the run waiting past the test's time.
  writeFileSync(
    join(root, "run.ts"),
    `const { runCommand } = await import(${JSON.stringify(runner)});
const request = {
  command: ["sleep", "60"], name: "reader", metadata: {}, params: null, store: ${JSON.stringify(join(root, ".exprag"))}, storeExplicit: false,
  echo: false, keepLog: false, snapshot: false, snapshotMaxBytes: 0, snapshotSecrets: false, cwd: ${JSON.stringify(root)},
  env: { PATH: process.env.PATH, HOME: ${JSON.stringify(root)} }, selfCommand: [process.execPath], heartbeatSeconds: 60, pty: false,
  context: { environment: false, systemEverySeconds: null, outputs: null }, warn: () => {},
};
await runCommand(request).then(() => console.log("ran"), (error) => console.log(error.message));
`,
  );
  const child = Bun.spawn([process.execPath, "--preload", join(root, "fail-reader.ts"), join(root, "run.ts")], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [said, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(code).toBe(0);
  expect(said).toContain("exprag could not load what reads the command's output");
  const [file] = readdirSync(join(root, ".exprag", "runs")).filter((name) => name.endsWith(".jsonl"));
  const records = readFileSync(join(root, ".exprag", "runs", file!), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(records.at(-1)).toMatchObject({ kind: "run_end", value: { status: "failed", exit_code: 125 } });
  expect(records.at(-1).value.error).toContain("no reader here");
}, 30_000);
