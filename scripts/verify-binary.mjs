#!/usr/bin/env node
// @ts-check
/**
 * Checks that a built exprag works on this machine, as a user would meet it: it prints the
 * version of package.json, records a run in a fresh git repository, and `ls --json` finds that
 * run with its metric. Plain Node (no Bun, no dependencies), so it runs on every release runner,
 * Alpine containers included.
 *
 *   node scripts/verify-binary.mjs dist/exprag-linux-x64
 *   node scripts/verify-binary.mjs qemu-x86_64 -cpu Nehalem dist/exprag-linux-x64-baseline
 *
 * The arguments are the command that starts exprag. Prints one line per check; exits 1 at the
 * first one that fails.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const EXPERIMENT = "smoke";
const LOSS = 0.5;

/** A check that did not pass: its message says what was seen. */
class CheckFailed extends Error {}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  throw new CheckFailed(message);
}

/**
 * Runs exprag with the given arguments in `cwd`; returns its stdout, or fails with what it said.
 * @param {string[]} command
 * @param {string[]} args
 * @param {string} cwd
 */
function exprag(command, args, cwd) {
  const [program = "", ...prefix] = command;
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("EXPRAG_")) delete env[key];
  const result = spawnSync(program, [...prefix, ...args], { cwd, env, encoding: "utf8" });
  const shown = [...command, ...args].join(" ");
  if (result.error) fail(`could not start ${shown}: ${result.error.message}`);
  if (result.status !== 0) fail(`${shown} exited with ${result.status ?? result.signal}\n${result.stderr}`);
  return result.stdout;
}

/** A temporary git repository with one commit, as exprag expects to find around a run. */
function freshRepository() {
  const dir = mkdtempSync(join(tmpdir(), "exprag-verify-"));
  const git = (/** @type {string[]} */ ...args) =>
    execFileSync("git", ["-c", "user.name=exprag", "-c", "user.email=dev@exprag.invalid", ...args], { cwd: dir, stdio: "pipe" });
  git("init", "--quiet");
  git("commit", "--quiet", "--allow-empty", "-m", "start");
  return dir;
}

function main() {
  // As in a shell, an argument with a slash is a path: taken from here, since exprag runs elsewhere.
  const command = process.argv.slice(2).map((arg) => (/[\\/]/.test(arg) ? resolve(arg) : arg));
  if (command.length === 0) fail("usage: node scripts/verify-binary.mjs COMMAND... (the command that starts exprag)");
  const expected = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

  const version = exprag(command, ["--version"], process.cwd()).trim();
  if (version.split(" ")[0] !== expected) fail(`--version printed "${version}", expected ${expected}`);
  console.log(`ok: --version is ${version}`);

  const repo = freshRepository();
  try {
    // The recorded command is this very Node, so the check needs nothing else on the machine.
    const child = `console.log('EXPRAG::' + JSON.stringify({ loss: ${LOSS} }))`;
    exprag(command, ["run", "--name", EXPERIMENT, "--", process.execPath, "-e", child], repo);
    const runs = JSON.parse(exprag(command, ["ls", "--json"], repo));
    const run = Array.isArray(runs) ? runs.find((r) => r.experiment_name === EXPERIMENT) : undefined;
    if (!run) fail(`ls --json lists no run named ${EXPERIMENT}: ${JSON.stringify(runs)}`);
    if (run.status !== "ok" || run.exit_code !== 0) fail(`the run ended ${run.status} (exit ${run.exit_code})`);
    if (run.metrics?.loss !== LOSS) fail(`the run recorded metrics ${JSON.stringify(run.metrics)}, expected loss ${LOSS}`);
    console.log(`ok: run ${run.short_id} recorded loss ${LOSS}, and ls --json lists it`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  console.error(`verify-binary: ${error.message}`);
  process.exitCode = 1;
}
