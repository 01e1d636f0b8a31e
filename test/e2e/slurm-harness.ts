/**
 * The one-node Slurm of scripts/slurm/cluster.sh for the tests: the one .ci/run started, or one
 * started here when Slurm is installed; else the reason the tests skip. Test files of one suite,
 * and suites side by side, share it: each registers while it uses it, under a lock, and the last
 * one out stops a cluster that tests started (never one that .ci/run started).
 */
import { afterAll } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitEnv } from "./git-harness";
import { cleanEnv, EXPRAG } from "./harness";

const SCRIPT = join(import.meta.dir, "..", "..", "scripts", "slurm", "cluster.sh");
const DIR = process.env.EXPRAG_SLURM_DIR ?? "/tmp/exprag-slurm";
/** Who uses the cluster now: one file per test file, named by its process id. */
const USERS = `${DIR}-users`;
/** The controller's pid of a cluster that tests started (a stale one names a cluster long gone). */
const STARTED_BY_TESTS = join(USERS, "started-by-tests");
const LOCK = `${DIR}.lock`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};

/** Runs `fn` holding the cluster's lock (a folder made atomically; a dead holder's is taken over). */
function withLock<T>(fn: () => T): T {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const holder = Number(existsSync(join(LOCK, "pid")) ? readFileSync(join(LOCK, "pid"), "utf8") : "0");
      if (holder > 0 && !alive(holder)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK} is held by process ${holder}`);
      Bun.sleepSync(50);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** The running controller's process id, as cluster.sh wrote it: which cluster this is. */
const controllerPid = (): string => {
  const file = join(DIR, "slurmctld.pid");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : "";
};

/** Registers this test file as a user; when it is done, the last user out stops a cluster tests started. */
function use(): void {
  mkdirSync(USERS, { recursive: true });
  const me = join(USERS, `${process.pid}-${crypto.randomUUID()}`);
  writeFileSync(me, "");
  afterAll(
    () =>
      withLock(() => {
        rmSync(me, { force: true });
        const others = readdirSync(USERS).filter((name) => name !== "started-by-tests" && alive(Number(name.split("-")[0])));
        if (others.length === 0 && existsSync(STARTED_BY_TESTS) && readFileSync(STARTED_BY_TESTS, "utf8") === controllerPid()) {
          Bun.spawnSync(["bash", SCRIPT, "stop", DIR], { stdout: "ignore", stderr: "ignore" });
          rmSync(STARTED_BY_TESTS, { force: true });
        }
      }),
    // Stopping the daemons waits for each to exit: seconds on a loaded machine.
    60_000,
  );
}

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
  if (!Bun.which("scontrol")) return { reason: "Slurm is not installed (scripts/slurm/cluster.sh start installs and starts it)" };
  const root = process.getuid?.() === 0;
  if (!root) {
    const running = confOf(DIR);
    return running ? { conf: running } : { reason: "not root: the test cluster's daemons run as root" };
  }
  return withLock(() => {
    const running = confOf(DIR);
    if (running) {
      use();
      return { conf: running };
    }
    if (!Bun.which("slurmctld") || !Bun.which("munged")) return { reason: "Slurm is not installed (scripts/slurm/cluster.sh start installs and starts it)" };
    const started = Bun.spawnSync(["bash", SCRIPT, "start", DIR], { stdout: "ignore", stderr: "pipe", timeout: 60_000 });
    const conf = started.exitCode === 0 ? confOf(DIR) : null;
    if (!conf) return { reason: `the test cluster did not start: ${started.stderr.toString().trim() || "no reason given"}` };
    mkdirSync(USERS, { recursive: true });
    writeFileSync(STARTED_BY_TESTS, controllerPid());
    use();
    return { conf };
  });
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

/** Starts `exprag sweep --slurm --wait --json ARGS...` in `repo`; once Slurm accepted it, the process, its job id and its tag. */
export async function waitingSweep(repo: string, args: string[]) {
  const sweep = Bun.spawn([EXPRAG, "sweep", "--slurm", "--wait", "--json", ...args], {
    cwd: repo,
    env: cleanEnv({ ...gitEnv, ...slurmEnv() }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = sweep.stderr.getReader();
  let seen = "";
  while (!/ls --tag sweep:\S+/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`ended before submitting: ${seen}`);
    seen += Buffer.from(value).toString();
  }
  reader.releaseLock();
  return { sweep, jobId: /Slurm job (\d+)/.exec(seen)![1]!, tag: /ls --tag (sweep:\S+)/.exec(seen)![1]! };
}
