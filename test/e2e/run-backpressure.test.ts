/**
 * exprag run's memory stays bounded when what takes its output is slower than the command:
 * a reader of its stdout that pauses, a disk under the log that stops taking writes. exprag then
 * stops reading from the command instead of queueing, and nothing is lost once things move again.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, EXPRAG, isLinux, isRoot, runFiles, tempDir, waitFor, waitUntilSteady, works } from "./harness";

/** Lines of `seq 1 LINES`: 169 MB, twice what exprag may hold at its peak. */
const LINES = 20_000_000;
const PEAK_LIMIT_KB = 80 * 1000;

/** The peak resident memory of `pid` so far (VmHWM), in kB; null once it has exited. */
function peakKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb); // a zombie has no memory left to report
  } catch {
    return null;
  }
}

function size(file: string | undefined): number {
  return file && existsSync(file) ? statSync(file).size : 0;
}

/** The one run's output log in `store`. */
function logOf(store: string): string | undefined {
  return runFiles(store)[0]?.replace(/\.jsonl$/, ".log");
}

/** The expected output, and `cmp`'s verdict on `file` against it. */
function sameAsSeq(dir: string, file: string): boolean {
  const expected = join(dir, "expected.txt");
  if (!existsSync(expected)) Bun.spawnSync(["sh", "-c", `seq 1 ${LINES} > '${expected}'`]);
  return Bun.spawnSync(["cmp", "-s", expected, file]).exitCode === 0;
}

/** Samples exprag's peak memory until it exits; returns the last sample (VmHWM only grows). */
async function peakUntilExit(pid: number, exited: Promise<unknown>): Promise<number> {
  let peak = peakKb(pid) ?? 0;
  let done = false;
  void exited.then(() => {
    done = true;
  });
  await waitFor(() => {
    peak = Math.max(peak, peakKb(pid) ?? 0);
    return done;
  }, "exprag to finish");
  return peak;
}

describe.skipIf(!isLinux)("exprag run: backpressure (reads VmHWM from /proc)", () => {
  test("stdout to a reader that pauses: exprag stops reading, stays under 80 MB, and loses nothing once the reader resumes", async () => {
    const dir = tempDir();
    const go = join(dir, "go");
    const out = join(dir, "out.txt");
    Bun.spawnSync(["mkfifo", go]);
    // exprag's stdout is a real pipe to a reader that waits for a line on `go` before reading.
    const script = `exprag run --quiet -- seq 1 ${LINES} > >(read -r _ < '${go}'; exec cat > '${out}') & echo $!; wait $!; echo "exit=$?"; wait`;
    await using proc = Bun.spawn(["bash", "-c", script], {
      cwd: dir,
      env: cleanEnv({ PATH: `${join(EXPRAG, "..")}:${process.env.PATH}` }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let said = "";
    while (!said.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`bash ended before printing exprag's pid: ${said}`);
      said += Buffer.from(value).toString();
    }
    const pid = Number(said.slice(0, said.indexOf("\n")));
    const store = join(dir, ".exprag");
    await waitUntilSteady(() => size(logOf(store)), "exprag to stop reading while its stdout is full");
    // Held back: exprag read only what the pipes and its own chunks hold, not the command's whole output.
    expect(size(logOf(store))).toBeLessThan(20 * 1024 * 1024);
    expect(peakKb(pid)).toBeLessThan(PEAK_LIMIT_KB);
    writeFileSync(go, "go\n");
    const peak = await peakUntilExit(pid, proc.exited);
    for (let r = await reader.read(); !r.done; r = await reader.read()) said += Buffer.from(r.value).toString();
    expect(said).toContain("exit=0");
    expect(peak).toBeLessThan(PEAK_LIMIT_KB);
    expect(sameAsSeq(dir, out)).toBe(true);
    expect(sameAsSeq(dir, logOf(store)!)).toBe(true);
  }, 120_000);
});

/** Whether loop mounts and fsfreeze work here (root with the tools; not in every container). */
const canFreeze = isLinux && isRoot && works("fsfreeze", "--help") && works("mkfs.ext4", "-V") && works("losetup", "--version");
const frozen: string[] = [];
afterEach(() => {
  // A frozen file system blocks every writer on it: never leave one behind, whatever failed.
  for (const mount of frozen.splice(0)) {
    Bun.spawnSync(["fsfreeze", "-u", mount]);
    Bun.spawnSync(["umount", "-l", mount]);
  }
});

describe.skipIf(!canFreeze)("exprag run: a log on a disk that stops taking writes (root: loop mount, fsfreeze)", () => {
  test("exprag waits for the disk instead of queueing: under 80 MB while frozen, every byte in the log and on stdout once it thaws", async () => {
    const dir = tempDir();
    const image = join(dir, "disk.img");
    const mount = join(dir, "mnt");
    mkdirSync(mount);
    Bun.spawnSync(["truncate", "-s", "512M", image]);
    expect(Bun.spawnSync(["mkfs.ext4", "-q", "-F", image]).exitCode).toBe(0);
    const mounted = Bun.spawnSync(["mount", "-o", "loop", image, mount], { stderr: "pipe" });
    if (mounted.exitCode !== 0) {
      console.warn(`skipped: cannot loop-mount here (${mounted.stderr.toString().trim()})`);
      return;
    }
    frozen.push(mount);
    const store = join(mount, "store");
    const out = join(dir, "out.txt");
    await using proc = Bun.spawn([EXPRAG, "run", "--quiet", "--dir", store, "--", "seq", "1", String(LINES)], {
      cwd: dir,
      env: cleanEnv(),
      stdout: Bun.file(out),
      stderr: "pipe",
    });
    await waitFor(() => size(logOf(store)) > 8 * 1024 * 1024, "the log to grow");
    expect(Bun.spawnSync(["fsfreeze", "-f", mount]).exitCode).toBe(0);
    // Blocked on the log, exprag passes nothing more through: stdout (on another disk) stops growing.
    await waitUntilSteady(() => size(out), "exprag to wait for the frozen disk");
    expect(size(out)).toBeLessThan(LINES * 8 - 20 * 1024 * 1024);
    expect(peakKb(proc.pid)).toBeLessThan(PEAK_LIMIT_KB);
    expect(Bun.spawnSync(["fsfreeze", "-u", mount]).exitCode).toBe(0);
    const peak = await peakUntilExit(proc.pid, proc.exited);
    expect(await proc.exited).toBe(0);
    expect(peak).toBeLessThan(PEAK_LIMIT_KB);
    expect(sameAsSeq(dir, out)).toBe(true);
    expect(sameAsSeq(dir, logOf(store)!)).toBe(true);
  }, 120_000);
});
