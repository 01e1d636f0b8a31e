/**
 * The binary starts with the JIT reluctant (core/os/jit.ts): a run asks for the usual JIT once its
 * command has started, every other command before it loads anything. Run from the sources in a
 * process of its own, whose preload writes down each call to setJITPolicy with the commands
 * spawned before it.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileConfig } from "../../../scripts/build";
import { START_JIT_POLICY } from "../../../src/core/os/jit";
import { tempDir } from "../../temp-dir";

const main = resolve(import.meta.dir, "../../../src/main.ts");

const recorder = `const spawn = Bun.spawn;
const spawned = [];
Bun.spawn = (argv, ...rest) => { spawned.push(argv.join(" ")); return spawn(argv, ...rest); };
const setJITPolicy = Bun.unsafe.setJITPolicy;
Bun.unsafe.setJITPolicy = (scale) => { process.stderr.write("jit " + scale + " after [" + spawned.join(" ") + "]\\n"); setJITPolicy(scale); };
`;

/** The calls to setJITPolicy of `exprag ARGS` run from the sources, outside any git work tree. */
async function jitCalls(...args: string[]): Promise<string[]> {
  const root = tempDir("exprag-jit-");
  writeFileSync(join(root, "record-jit.ts"), recorder);
  const child = Bun.spawn([process.execPath, "--preload", join(root, "record-jit.ts"), main, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: root, GIT_CEILING_DIRECTORIES: root, NO_COLOR: "1" },
    stdout: "ignore",
    stderr: "pipe",
  });
  const [said, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect({ code, said }).toMatchObject({ code: 0 });
  return said.split("\n").filter((line) => line.startsWith("jit "));
}

test("the binary is built to start with the JIT more reluctant than usual", () => {
  expect(START_JIT_POLICY).toBeGreaterThan(1);
  expect(compileConfig("exprag").compile.jitPolicy).toBe(START_JIT_POLICY);
});

test("a run asks for the usual JIT once its command has started, and not before", async () => {
  const calls = await jitCalls("run", "--quiet", "--", "true");
  expect(calls).toHaveLength(1);
  // Where the tests were started with signals ignored, the command starts through `exprag __exec`: its words end in true too.
  expect(calls[0]).toMatch(/^jit 1 after \[.*\btrue\]$/);
}, 30_000);

test("any other command asks for the usual JIT before it loads or starts anything", async () => {
  expect(await jitCalls("--version")).toEqual(["jit 1 after []"]);
  expect(await jitCalls("ls", "--json")).toEqual(["jit 1 after []"]);
}, 30_000);
