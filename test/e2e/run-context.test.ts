import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exprag, isLinux, onlyRun, readRecords, runEnd, runFiles, runStart, tempDir, works } from "./harness";

const MIB = 1024 * 1024;
const hasVenv = works("python3", "-m", "venv", "--help");
const sitePackages = (venv: string) => {
  const lib = join(venv, "lib");
  const version = readdirSync(lib).find((name) => /^python3\.\d+$/.test(name))!;
  return join(lib, version, "site-packages");
};

/** A virtualenv (no pip: nothing from a registry) whose packages are the given dist-info folders. */
function makeVenv(cwd: string, packages: string[]): string {
  const venv = join(cwd, "venv");
  const made = Bun.spawnSync(["python3", "-m", "venv", "--without-pip", venv], { stdout: "ignore", stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`);
  for (const name of packages) mkdirSync(join(sitePackages(venv), `${name}.dist-info`), { recursive: true });
  return venv;
}

/** A fake `nvidia-smi` in its own folder: `body` is the shell that answers (its arguments in "$@"). */
function fakeNvidiaSmi(cwd: string, body: string): string {
  const bin = join(cwd, "fake-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, "nvidia-smi"), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** A shell command that waits until its own run file holds `count` lines matching `pattern`, then ends. */
const untilRecords = (pattern: string, count: number) =>
  `f="$EXPRAG_DIR/runs/$EXPRAG_RUN_ID.jsonl"; while [ "$(grep -c '${pattern}' "$f")" -lt ${count} ]; do sleep 0.05; done`;

describe("exprag run: the environment", () => {
  test("a command that is not Python records no Python environment", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", "true"], { cwd });
    expect(runStart(onlyRun(join(cwd, ".exprag"))).environment).toBeUndefined();
  });

  test.skipIf(!hasVenv)(
    "records a virtualenv's Python version and packages, read from its folders",
    async () => {
      const cwd = tempDir();
      const venv = makeVenv(cwd, ["torch-2.3.1", "Scikit_Learn-1.5.0"]);
      const bare = join(sitePackages(venv), "weird.dist-info");
      mkdirSync(bare);
      writeFileSync(join(bare, "METADATA"), "Metadata-Version: 2.1\nName: weird\nVersion: 0.9\n");
      const result = await exprag(["run", "--", join(venv, "bin", "python"), "-c", "pass"], { cwd });
      expect(result.exitCode).toBe(0);
      const records = onlyRun(join(cwd, ".exprag"));
      const environment = runStart(records).environment;
      const version = /version\s*=\s*(\S+)/.exec(await Bun.file(join(venv, "pyvenv.cfg")).text())![1];
      expect(environment.python).toEqual({
        version,
        executable: join(venv, "bin", "python"),
        prefix: venv,
        kind: "virtualenv",
        packages: { "scikit-learn": "1.5.0", torch: "2.3.1", weird: "0.9" },
      });
      const shown = JSON.parse((await exprag(["show", "latest", "--json"], { cwd })).text);
      expect(shown.environment.python.packages).toEqual({ "scikit-learn": "1.5.0", torch: "2.3.1", weird: "0.9" });
      const tsv = (await exprag(["show", "latest"], { cwd })).text;
      expect(tsv).toContain("environment.python.packages.torch\t2.3.1\n");
    },
    30_000,
  );

  test.skipIf(!hasVenv)(
    "finds the interpreter on a script's #! line, and records nothing with --no-env",
    async () => {
      const cwd = tempDir();
      const venv = makeVenv(cwd, ["numpy-1.26.4"]);
      writeFileSync(join(cwd, "train.py"), `#!${join(venv, "bin", "python")}\nprint("hi")\n`);
      chmodSync(join(cwd, "train.py"), 0o755);
      await exprag(["run", "--", "./train.py"], { cwd });
      await exprag(["run", "--no-env", "--", "./train.py"], { cwd });
      const [first, second] = runFiles(join(cwd, ".exprag")).map(readRecords);
      expect(runStart(first!).environment.python.packages).toEqual({ numpy: "1.26.4" });
      expect(runStart(second!).environment).toBeUndefined();
    },
    30_000,
  );

  test("follows a pyenv shim to the version .python-version picks", async () => {
    const cwd = tempDir();
    const root = join(cwd, "pyenv");
    const prefix = join(root, "versions", "3.10.2");
    mkdirSync(join(root, "shims"), { recursive: true });
    mkdirSync(join(prefix, "bin"), { recursive: true });
    mkdirSync(join(prefix, "include", "python3.10"), { recursive: true });
    mkdirSync(join(prefix, "lib", "python3.10", "site-packages", "Foo_Bar-1.0.dist-info"), { recursive: true });
    writeFileSync(join(prefix, "include", "python3.10", "patchlevel.h"), '#define PY_VERSION "3.10.2"\n');
    writeFileSync(join(prefix, "bin", "python3"), "#!/bin/sh\ntrue\n");
    chmodSync(join(prefix, "bin", "python3"), 0o755);
    writeFileSync(join(root, "shims", "python3"), `#!/bin/sh\nexec "${join(prefix, "bin", "python3")}" "$@"\n`);
    chmodSync(join(root, "shims", "python3"), 0o755);
    writeFileSync(join(cwd, ".python-version"), "3.10.2\n");
    await exprag(["run", "--", join(root, "shims", "python3")], { cwd, env: { PYTHONNOUSERSITE: "1", PYENV_VERSION: undefined } });
    expect(runStart(onlyRun(join(cwd, ".exprag"))).environment.python).toEqual({
      version: "3.10.2",
      executable: join(prefix, "bin", "python3"),
      prefix,
      kind: "system",
      packages: { "foo-bar": "1.0" },
    });
  }, 30_000);

  test.skipIf(!hasVenv)(
    "compare shows the package that changed between two runs, and --where selects by it",
    async () => {
      const cwd = tempDir();
      const venv = makeVenv(cwd, ["torch-2.3.1", "numpy-1.26.4"]);
      const python = join(venv, "bin", "python");
      await exprag(["run", "--", python, "-c", "pass"], { cwd });
      renameSync(join(sitePackages(venv), "torch-2.3.1.dist-info"), join(sitePackages(venv), "torch-2.4.0.dist-info"));
      await exprag(["run", "--", python, "-c", "pass"], { cwd });
      const comparison = JSON.parse((await exprag(["compare", "latest~1", "latest", "--json"], { cwd })).text);
      expect(comparison.environment).toEqual({ torch: ["2.3.1", "2.4.0"] });
      const table = (await exprag(["compare", "latest~1", "latest"], { cwd })).text;
      expect(table).toMatch(/env torch\t2\.3\.1\t2\.4\.0/);
      const newer = JSON.parse((await exprag(["ls", "--json", "--where", 'env.torch ~ "2.4*"'], { cwd })).text);
      const latest = JSON.parse((await exprag(["show", "latest", "--json"], { cwd })).text);
      expect(newer.map((run: { run_id: string }) => run.run_id)).toEqual([latest.run_id]);
      const both = JSON.parse((await exprag(["ls", "--json", "--where", 'env.numpy = "1.26.4"'], { cwd })).text);
      expect(both).toHaveLength(2);
    },
    30_000,
  );
});

describe("exprag run: system metrics", () => {
  test.skipIf(!isLinux || !works("python3", "-c", "pass"))(
    "samples the whole process tree as it grows and shrinks, and run_end keeps its peak",
    async () => {
      const cwd = tempDir();
      // The root allocates 20 MiB, its child 60 MiB, the grandchild 120 MiB; the root waits for a
      // sample of all three, ends the two, waits for a sample of itself alone, and ends.
      writeFileSync(
        join(cwd, "tree.py"),
        `import os, subprocess, sys, time, json
run_file = os.path.join(os.environ["EXPRAG_DIR"], "runs", os.environ["EXPRAG_RUN_ID"] + ".jsonl")
def samples():
    with open(run_file) as f:
        return [r["value"] for r in map(json.loads, f) if r["kind"] == "system"]
def wait(ok):
    while not any(ok(s) for s in samples()):
        time.sleep(0.05)
level = int(sys.argv[1]) if len(sys.argv) > 1 else 0
block = b"x" * ((20, 60, 120)[level] * 1024 * 1024)
if level < 2:
    child = subprocess.Popen([sys.executable, __file__, str(level + 1)], stdin=subprocess.PIPE)
if level == 0:
    wait(lambda s: s["processes"] >= 3 and s["rss_bytes"] >= 200 * 1024 * 1024)
    child.stdin.close()
    child.wait()
    wait(lambda s: s["processes"] == 1)
else:
    sys.stdin.read()
    if level < 2:
        child.stdin.close()
        child.wait()
`,
      );
      const result = await exprag(["run", "--system-every", "0.2", "--", "python3", "tree.py"], { cwd, timeoutMs: 60_000 });
      expect(result.exitCode).toBe(0);
      const records = onlyRun(join(cwd, ".exprag"));
      const samples = records.filter((r) => r.kind === "system").map((r) => r.value);
      expect(Math.max(...samples.map((s) => s.processes))).toBeGreaterThanOrEqual(3);
      expect(samples.some((s) => s.processes === 1 && s.rss_bytes < 150 * MIB)).toBe(true);
      const end = runEnd(records);
      expect(end.system.samples).toBe(samples.length);
      expect(end.system.peak_rss_bytes).toBe(Math.max(...samples.map((s) => s.rss_bytes)));
      expect(end.system.peak_rss_bytes).toBeGreaterThanOrEqual(200 * MIB);
      expect(end.system.peak_rss_bytes).toBeLessThan(1024 * MIB);
      expect(end.counts.system).toBe(samples.length);
      for (const sample of samples) expect(sample.cpu_percent).toBeGreaterThanOrEqual(0);
      const peak = JSON.parse((await exprag(["ls", "--json", "--where", `max(system.rss_bytes) >= ${200 * MIB}`], { cwd })).text);
      expect(peak).toHaveLength(1);
      // run_end's peaks answer without reading the series.
      const listed = JSON.parse(
        (await exprag(["ls", "--json", "--columns", "system.peak_rss_bytes", "--where", `system.peak_rss_bytes >= ${200 * MIB}`], { cwd })).text,
      );
      expect(listed.map((run: { columns: unknown }) => run.columns)).toEqual([{ "system.peak_rss_bytes": end.system.peak_rss_bytes }]);
      expect(listed[0].system).toEqual(end.system);
      const values = JSON.parse((await exprag(["values", "system.processes", "--json"], { cwd })).text);
      expect(JSON.stringify(values)).toContain('"value":3');
    },
    90_000,
  );

  test.skipIf(!isLinux)(
    "takes no samples with --no-system",
    async () => {
      const cwd = tempDir();
      await exprag(["run", "--no-system", "--system-every", "0.05", "--", "sh", "-c", "sleep 0.5"], { cwd });
      const records = onlyRun(join(cwd, ".exprag"));
      expect(records.some((r) => r.kind === "system")).toBe(false);
      expect(runEnd(records).system).toBeUndefined();
    },
    30_000,
  );

  test("a --system-every that is not a number of seconds is a usage error", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--system-every", "fast", "--", "true"], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--system-every must be a number of seconds from 0.05 to 86400, got "fast"');
    expect(existsSync(join(cwd, ".exprag", "runs"))).toBe(false);
  });
});

describe("exprag run: GPUs through nvidia-smi", () => {
  const answering = `case "$*" in
  *--loop-ms*) while :; do echo "0, 37, 2048, 16384"; echo "1, 91, 8192, 16384"; sleep 0.1; done ;;
  *--query-gpu=index,name*) echo "0, Fake GPU A, 16384, 535.1"; echo "1, Fake GPU A, 16384, 535.1" ;;
  *) echo "| NVIDIA-SMI 535.1    Driver Version: 535.1    CUDA Version: 12.2 |" ;;
esac`;

  test.skipIf(!isLinux)(
    "records the GPUs' model, memory, driver and CUDA version, and samples each visible GPU",
    async () => {
      const cwd = tempDir();
      const PATH = fakeNvidiaSmi(cwd, answering);
      const result = await exprag(["run", "--system-every", "0.2", "--", "sh", "-c", untilRecords('"gpu1"', 3)], {
        cwd,
        env: { PATH },
        timeoutMs: 60_000,
      });
      expect(result.exitCode).toBe(0);
      const records = onlyRun(join(cwd, ".exprag"));
      expect(records.find((r) => r.kind === "environment")!.value).toEqual({
        gpus: [0, 1].map((index) => ({ index, name: "Fake GPU A", memory_total_bytes: 16384 * MIB, driver: "535.1", cuda: "12.2" })),
      });
      const withGpus = records.filter((r) => r.kind === "system" && r.value.gpu1);
      expect(withGpus.length).toBeGreaterThanOrEqual(3);
      expect(withGpus[0]!.value.gpu0).toEqual({ utilization: 37, memory_used: 2048 * MIB, memory_total: 16384 * MIB });
      expect(runEnd(records).system.gpus).toEqual({
        gpu0: { peak_memory_used: 2048 * MIB, mean_utilization: 37 },
        gpu1: { peak_memory_used: 8192 * MIB, mean_utilization: 91 },
      });
      const best = JSON.parse((await exprag(["ls", "--json", "--where", `max(system.gpu1.memory_used) = ${8192 * MIB}`], { cwd })).text);
      expect(best).toHaveLength(1);
      const shown = JSON.parse((await exprag(["show", "latest", "--json"], { cwd })).text);
      expect(shown.system.gpus.gpu1).toEqual({ peak_memory_used: 8192 * MIB, mean_utilization: 91 });
    },
    90_000,
  );

  test.skipIf(!isLinux || Bun.which("nvidia-smi") !== null)(
    "without nvidia-smi, rocm-smi describes the GPUs",
    async () => {
      const cwd = tempDir();
      const bin = join(cwd, "rocm-bin");
      mkdirSync(bin);
      const answer = { card0: { "Card series": "Instinct MI210", "VRAM Total Memory (B)": "68702699520" }, system: { "Driver version": "6.2.4" } };
      writeFileSync(join(bin, "rocm-smi"), `#!/bin/sh\necho '${JSON.stringify(answer)}'\n`);
      chmodSync(join(bin, "rocm-smi"), 0o755);
      await exprag(["run", "--", "sh", "-c", "true"], { cwd, env: { PATH: `${bin}:${process.env.PATH}` } });
      const records = onlyRun(join(cwd, ".exprag"));
      expect(records.find((r) => r.kind === "environment")!.value).toEqual({
        gpus: [{ index: 0, name: "Instinct MI210", memory_total_bytes: 68702699520, driver: "6.2.4", cuda: null }],
      });
    },
    30_000,
  );

  test.skipIf(!isLinux)(
    "samples only the GPUs CUDA_VISIBLE_DEVICES names",
    async () => {
      const cwd = tempDir();
      const PATH = fakeNvidiaSmi(cwd, answering);
      await exprag(["run", "--system-every", "0.2", "--", "sh", "-c", untilRecords('"gpu1"', 2)], {
        cwd,
        env: { PATH, CUDA_VISIBLE_DEVICES: "1" },
        timeoutMs: 60_000,
      });
      const samples = onlyRun(join(cwd, ".exprag")).filter((r) => r.kind === "system" && r.value.gpu1);
      expect(samples.length).toBeGreaterThanOrEqual(2);
      expect(samples.every((r) => r.value.gpu0 === undefined)).toBe(true);
    },
    90_000,
  );

  test.skipIf(!isLinux)(
    "a hanging nvidia-smi is killed: the run goes on, and says why it has no GPU figures",
    async () => {
      const cwd = tempDir();
      const pids = join(cwd, "pids");
      const PATH = fakeNvidiaSmi(cwd, `echo $$ >> "${pids}"; exec sleep 600`);
      // Until two samples are written and all three nvidia-smi calls have started.
      const command = `${untilRecords('"kind":"system"', 2)}; until [ "$(wc -l < "${pids}")" -ge 3 ]; do sleep 0.05; done`;
      const result = await exprag(["run", "--system-every", "0.2", "--", "sh", "-c", command], {
        cwd,
        env: { PATH },
        timeoutMs: 60_000,
      });
      expect(result.exitCode).toBe(0);
      const records = onlyRun(join(cwd, ".exprag"));
      expect(records.find((r) => r.kind === "environment")!.value.errors).toEqual(["nvidia-smi did not answer within 3 s"]);
      expect(records.filter((r) => r.kind === "system").every((r) => r.value.gpu0 === undefined)).toBe(true);
      expect(runEnd(records).system.gpu_error).toBe("nvidia-smi gave no figures while the run lived");
      const started = (await Bun.file(pids).text()).trim().split("\n").map(Number);
      expect(started).toHaveLength(3);
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return !(readStatus(pid) ?? "").startsWith("Z");
        } catch {
          return false;
        }
      };
      for (const pid of started) expect(alive(pid)).toBe(false);
    },
    90_000,
  );

  test.skipIf(!isLinux)(
    "an nvidia-smi that is a wrapper script ends with its children: the run does not wait for them",
    async () => {
      const cwd = tempDir();
      // The wrapper's pipeline: its children hold the output pipe after the wrapper itself is killed.
      const PATH = fakeNvidiaSmi(cwd, `sh -c '${answering.replaceAll("'", "'\\''")}' nvidia-smi "$@" | cat`);
      const result = await exprag(["run", "--system-every", "0.2", "--", "sh", "-c", untilRecords('"gpu1"', 2)], {
        cwd,
        env: { PATH },
        timeoutMs: 30_000,
      });
      expect(result.exitCode).toBe(0);
      expect(runEnd(onlyRun(join(cwd, ".exprag"))).system.gpus.gpu1).toEqual({ peak_memory_used: 8192 * MIB, mean_utilization: 91 });
    },
    60_000,
  );

  test.skipIf(!isLinux)(
    "a failing nvidia-smi is recorded as the reason, with its message",
    async () => {
      const cwd = tempDir();
      const PATH = fakeNvidiaSmi(cwd, `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2; exit 9`);
      const result = await exprag(["run", "--system-every", "0.2", "--", "sh", "-c", untilRecords('"kind":"system"', 2)], {
        cwd,
        env: { PATH },
        timeoutMs: 60_000,
      });
      expect(result.exitCode).toBe(0);
      const records = onlyRun(join(cwd, ".exprag"));
      expect(records.find((r) => r.kind === "environment")!.value.errors).toEqual([
        "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
      ]);
      expect(runEnd(records).system.gpu_error).toBe("nvidia-smi ended (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
    },
    90_000,
  );
});

/** The state letter of /proc/<pid>/stat, or null when the process is gone. */
function readStatus(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}
