/**
 * Environment benchmark: what reading a virtualenv of 300 packages adds to `exprag run`'s
 * start-up. The virtualenv is made by hand (pyvenv.cfg, 300 `*.dist-info` folders with their
 * METADATA) and its `bin/python` is a link to `true`, so the command itself takes no time and the
 * whole difference is exprag's. `exprag run -- venv/bin/python` against the same with --no-env,
 * alternating, outside git (no snapshot), medians. Target: no difference beyond the noise (the
 * spread of --no-env's own rounds).
 *
 * Usage: bun scripts/bench/environment.ts [--packages N] [--rounds N]   (build first: npm run build)
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonEnvironmentOf } from "../../src/core/context/environment";
import { benchEnv, builtExprag, flag, median } from "./common";

const packages = flag("--packages", 300);
const rounds = flag("--rounds", 21);
const exprag = builtExprag();
const dir = mkdtempSync(join(tmpdir(), "exprag-env-bench-"));
const env = benchEnv({ EXPRAG_DIR: join(dir, "store") });

function run(argv: string[]): number {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { cwd: dir, env, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return ms;
}

try {
  const venv = join(dir, "venv");
  const site = join(venv, "lib", "python3.12", "site-packages");
  mkdirSync(join(venv, "bin"), { recursive: true });
  mkdirSync(site, { recursive: true });
  writeFileSync(join(venv, "pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.4\n");
  symlinkSync(Bun.which("true")!, join(venv, "bin", "python"));
  for (let i = 0; i < packages; i++) {
    const info = join(site, `package_${i}-1.${i}.0.dist-info`);
    mkdirSync(info);
    writeFileSync(join(info, "METADATA"), `Metadata-Version: 2.1\nName: package-${i}\nVersion: 1.${i}.0\n`);
    mkdirSync(join(site, `package_${i}`));
  }
  const python = join(venv, "bin", "python");
  const withEnv = [exprag, "run", "-q", "--no-log", "--", python];
  const withoutEnv = [exprag, "run", "-q", "--no-log", "--no-env", "--", python];
  run(withEnv);
  run(withoutEnv);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < rounds; i++) {
    off.push(run(withoutEnv));
    on.push(run(withEnv));
  }
  const [a, b] = [median(off), median(on)];
  // The read itself, in this process: what --no-env saves at most.
  const reads: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const found = pythonEnvironmentOf(python, env, dir);
    reads.push(performance.now() - started);
    if (Object.keys(found?.packages ?? {}).length !== packages) throw new Error("the virtualenv's packages were not all read");
  }
  const spread = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    return `${sorted[Math.floor(sorted.length / 4)]!.toFixed(1)}-${sorted[Math.floor((3 * sorted.length) / 4)]!.toFixed(1)}`;
  };
  console.log("| virtualenv | exprag run --no-env (interquartile) | exprag run (interquartile) | difference | the read alone |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| ${packages} packages | ${a.toFixed(1)} ms (${spread(off)}) | ${b.toFixed(1)} ms (${spread(on)}) | ${(b - a).toFixed(1)} ms | ${median(reads).toFixed(2)} ms |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
