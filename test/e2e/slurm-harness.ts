/**
 * The one-node Slurm of scripts/slurm/cluster.sh for the tests: the one .ci/run started, or one
 * started here (and stopped after) when Slurm is installed; else the reason the tests skip.
 */
import { afterAll } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = join(import.meta.dir, "..", "..", "scripts", "slurm", "cluster.sh");
const DIR = process.env.EXPRAG_SLURM_DIR ?? "/tmp/exprag-slurm";

function confOf(dir: string): string | null {
  const file = join(dir, "env");
  if (!existsSync(file)) return null;
  const conf = /^SLURM_CONF=(.+)$/m.exec(readFileSync(file, "utf8"))?.[1];
  if (!conf) return null;
  const ping = Bun.spawnSync(["scontrol", "ping"], { env: { ...process.env, SLURM_CONF: conf }, stdout: "pipe", stderr: "ignore", timeout: 5000 });
  return ping.exitCode === 0 && ping.stdout.toString().includes("UP") ? conf : null;
}

function connect(): { conf: string } | { reason: string } {
  if (process.platform !== "linux") return { reason: "the test cluster runs on Linux only" };
  const running = Bun.which("scontrol") ? confOf(DIR) : null;
  if (running) return { conf: running };
  if (process.getuid?.() !== 0) return { reason: "not root: the test cluster's daemons run as root" };
  if (!Bun.which("slurmctld") || !Bun.which("munged")) return { reason: "Slurm is not installed (scripts/slurm/cluster.sh start installs and starts it)" };
  const started = Bun.spawnSync(["bash", SCRIPT, "start", DIR], { stdout: "ignore", stderr: "pipe", timeout: 60_000 });
  const conf = started.exitCode === 0 ? confOf(DIR) : null;
  if (!conf) return { reason: `the test cluster did not start: ${started.stderr.toString().trim() || "no reason given"}` };
  afterAll(() => {
    Bun.spawnSync(["bash", SCRIPT, "stop", DIR], { stdout: "ignore", stderr: "ignore" });
  });
  return { conf };
}

export const slurm = connect();
export const noSlurm = "reason" in slurm;
if ("reason" in slurm) console.warn(`Slurm tests skipped: ${slurm.reason}`);
/** The environment a Slurm client needs, for exprag's env. */
export const slurmEnv = (): Record<string, string> => ("conf" in slurm ? { SLURM_CONF: slurm.conf } : {});

/** Runs a Slurm client command; its stdout. */
export function slurmCommand(...argv: string[]): string {
  const result = Bun.spawnSync(argv, { env: { ...process.env, ...slurmEnv() }, stdout: "pipe", stderr: "pipe", timeout: 15_000 });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

/** Slurm's state of job `id` (`PENDING`, `RUNNING`, `COMPLETED`, ...). */
export const jobState = (id: string): string => /JobState=(\S+)/.exec(slurmCommand("scontrol", "show", "job", "-o", id))?.[1] ?? "";
