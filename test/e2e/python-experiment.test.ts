/**
 * The Python package's `Experiment`, driven by real Python scripts: the original README's example
 * unchanged, wrapped by exprag run and standalone, and every way a standalone run can end.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo } from "./git-harness";
import { EXPRAG, readRecords, runEnd, runFiles, runStart, type StoredRecord, tracked, waitFor } from "./harness";
import { python, runPython, startPython } from "./python-harness";

const TIMEOUT = 60_000;

/** The example of the original exprag's README, unchanged. */
const README_EXAMPLE = `from exprag import Experiment

exp = Experiment(
    "training my neural network",
    # this metadata is captured only once at the experiment start
    metadata={
        "hparams": {
            "learning_rate": 0.03,
            "batch_size": 32,
        }
    },
)

for step in range(5):
    loss = 1.0 / (step + 1)
    acc = 0.6 + step * 0.05

    exp.track(
        {"step": step, "metrics": {"loss": loss, "acc": acc}},
        note="training metrics after each step",
    )
`;

function repoWith(files: Record<string, string>): string {
  const repo = makeRepo({ ...files, ".gitignore": ".exprag/\n" });
  return repo;
}

const store = (repo: string) => join(repo, ".exprag");
const records = (repo: string): StoredRecord[][] => runFiles(store(repo)).map(readRecords);

async function exprag(repo: string, ...args: string[]): Promise<string> {
  const result = await runPython([EXPRAG, ...args], repo);
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

describe.skipIf(!python)("Experiment (python3 needed)", () => {
  test(
    "the original README's example, standalone: one run, its metadata, the Python process, five notes, run_end ok",
    async () => {
      const repo = repoWith({ "train.py": `${README_EXAMPLE}import os\nprint(os.getpid(), exp.run_id, exp.path)\n` });
      const result = await runPython([python!, "train.py"], repo);
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      const [pid, runId, path] = result.stdout.trim().split(" ");
      const runs = records(repo);
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      expect(run[0]!.run_id).toBe(runId!);
      expect(path).toBe(join(store(repo), "runs", `${runId}.jsonl`));
      expect(run[0]!.experiment_name).toBe("training my neural network");
      const start = runStart(run);
      expect(start.metadata).toEqual({ hparams: { learning_rate: 0.03, batch_size: 32 } });
      expect(start.process.pid).toBe(Number(pid));
      expect(start.process.argv.slice(1)).toEqual(["train.py"]);
      expect(start.process.cwd).toBe(repo);
      expect(start.git.commit).toBe(git(repo, "rev-parse", "HEAD").trim());
      expect(start.git.dirty).toBe(false);
      expect(tracked(run)).toHaveLength(5);
      expect(tracked(run)[4]).toEqual({ step: 4, metrics: { loss: 0.2, acc: 0.8 } });
      expect(run.filter((r) => r.kind === "track").every((r) => r.note === "training metrics after each step")).toBe(true);
      expect(runEnd(run)).toMatchObject({ status: "ok", exit_code: 0, counts: { track: 5 } });

      const listed = JSON.parse(await exprag(repo, "ls", "--json", "--where", "meta.hparams.batch_size = 32"));
      expect(listed.map((r: { run_id: string }) => r.run_id)).toEqual([runId]);
      const best = JSON.parse(await exprag(repo, "best", "metrics.acc", "--max", "--json"));
      expect(JSON.stringify(best)).toContain(runId!);
    },
    TIMEOUT,
  );

  test(
    "the same example under exprag run: one run, the metadata joins it, the tracks are its records",
    async () => {
      const repo = repoWith({ "train.py": README_EXAMPLE });
      const result = await runPython([EXPRAG, "run", "--", python!, "train.py"], repo);
      expect(result.exitCode).toBe(0);
      const runs = records(repo);
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      const meta = run.find((r) => r.kind === "meta")!;
      expect(meta.value).toEqual({ hparams: { learning_rate: 0.03, batch_size: 32 } });
      expect(meta.note).toBe("Experiment('training my neural network')");
      expect(tracked(run)).toHaveLength(5);
      expect(runEnd(run)).toMatchObject({ status: "ok", counts: { track: 5, meta: 1 } });
      const listed = JSON.parse(await exprag(repo, "ls", "--json", "--where", "meta.hparams.learning_rate = 0.03"));
      expect(listed).toHaveLength(1);
    },
    TIMEOUT,
  );

  test(
    "run_id and path under exprag run are the wrapping run's",
    async () => {
      const repo = repoWith({ "w.py": "from exprag import Experiment\ne = Experiment('x')\nprint(e.run_id)\nprint(e.path)\ne.track(1)\n" });
      const result = await runPython([EXPRAG, "run", "-q", "--", python!, "w.py"], repo);
      const [runId, path] = result.stdout.trim().split("\n");
      expect(runFiles(store(repo))).toEqual([path!]);
      expect(readRecords(path!)[0]!.run_id).toBe(runId!);
    },
    TIMEOUT,
  );

  test(
    "a process that inherited a run's variables but not its pipe (a kernel started inside a run) records a run of its own",
    async () => {
      const repo = repoWith({ "t.py": "from exprag import Experiment\ne = Experiment('own')\ne.track(1)\nprint(e.run_id)\n" });
      const result = await runPython([python!, "t.py"], repo, { EXPRAG_RUN_ID: "01a24380-0000-7000-8000-000000000000", EXPRAG_FD: "9" });
      expect(result.stderr).toBe("");
      const run = records(repo)[0]!;
      expect(run[0]!.run_id).toBe(result.stdout.trim());
      expect(runEnd(run)).toMatchObject({ status: "ok", counts: { track: 1 } });
    },
    TIMEOUT,
  );

  test(
    "an uncaught exception ends the run failed with the exception's last line",
    async () => {
      const repo = repoWith({
        "t.py": "from exprag import Experiment\ne = Experiment('boom')\ne.track({'loss': 1})\nraise ValueError('loss went\\nnowhere')\n",
      });
      const result = await runPython([python!, "t.py"], repo);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("ValueError");
      const run = records(repo)[0]!;
      expect(runEnd(run)).toMatchObject({ status: "failed", exit_code: 1, error: "nowhere" });
      expect(tracked(run)).toEqual([{ loss: 1 }]);
    },
    TIMEOUT,
  );

  test(
    "sys.exit(3) ends it failed, exit 3; a with block ends its run when it closes",
    async () => {
      const repo = repoWith({
        "t.py": "import sys\nfrom exprag import Experiment\nwith Experiment('a') as a:\n    a.track(1)\nb = Experiment('b')\nb.track(2)\nsys.exit(3)\n",
      });
      const result = await runPython([python!, "t.py"], repo);
      expect(result.exitCode).toBe(3);
      const byName = Object.fromEntries(records(repo).map((run) => [run[0]!.experiment_name, run]));
      expect(runEnd(byName.a!)).toMatchObject({ status: "ok", exit_code: 0 });
      expect(runEnd(byName.b!)).toMatchObject({ status: "failed", exit_code: 3 });
    },
    TIMEOUT,
  );

  test(
    "a track() from a signal handler, or a run ended by a collection, on the thread that holds the channel: no deadlock, nothing lost",
    async () => {
      const script = `import os, signal
from exprag import experiment
e = experiment.Experiment("reentrant")
signal.signal(signal.SIGUSR1, lambda *_: e.track({"from": "handler"}))
e.track({"i": 1})
with e._channel.lock:
    os.kill(os.getpid(), signal.SIGUSR1)  # the handler runs here, the lock held: as in the middle of a track()
    e.track({"i": 2})
other = experiment.Experiment("collected")
other.track({"i": 3})
with other._channel.lock:
    experiment._end_collected(other._recorder, os.getpid())  # a collection on a thread that holds the lock
other._collected.detach()
print("done")
`;
      const repo = repoWith({ "t.py": script });
      const result = await runPython(["timeout", "20", python!, "t.py"], repo);
      expect({ code: result.exitCode, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      expect(result.stdout).toBe("done\n");
      const byName = Object.fromEntries(records(repo).map((run) => [run[0]!.experiment_name, run]));
      expect(tracked(byName.reentrant!)).toEqual([{ i: 1 }, { from: "handler" }, { i: 2 }]);
      expect(runEnd(byName.reentrant!)).toMatchObject({ status: "ok" });
      expect(tracked(byName.collected!)).toEqual([{ i: 3 }]);
      expect(runEnd(byName.collected!)).toMatchObject({ status: "ok" });
    },
    TIMEOUT,
  );

  test(
    "Ctrl-C (SIGINT) ends it interrupted",
    async () => {
      const repo = repoWith({
        "t.py": "import time\nfrom exprag import Experiment\ne = Experiment('ctrl-c')\ne.track(1)\nprint('ready', flush=True)\ntime.sleep(60)\n",
      });
      const started = startPython([python!, "t.py"], repo);
      await waitFor(() => started.output.text.includes("ready"), "the script to be ready", 30_000);
      started.proc.kill("SIGINT");
      const result = await started.done;
      expect(result.stderr).toContain("KeyboardInterrupt");
      expect(runEnd(records(repo)[0]!)).toMatchObject({ status: "interrupted", exit_code: 130, signal: "SIGINT" });
    },
    TIMEOUT,
  );

  test(
    "kill -9: the recorder notices and ends the run killed, with what was tracked",
    async () => {
      const repo = repoWith({
        "t.py":
          "import time\nfrom exprag import Experiment\ne = Experiment('k9')\ne.track({'step': 1}, note='before')\ntime.sleep(0.3)\nprint('ready', flush=True)\ntime.sleep(60)\n",
      });
      const started = startPython([python!, "t.py"], repo);
      await waitFor(() => started.output.text.includes("ready"), "the script to be ready", 30_000);
      await waitFor(() => tracked(records(repo)[0] ?? []).length === 1, "the record", 30_000);
      started.proc.kill("SIGKILL");
      await waitFor(() => records(repo)[0]!.some((r) => r.kind === "run_end"), "run_end after kill -9", 30_000);
      const run = records(repo)[0]!;
      expect(runEnd(run).status).toBe("killed");
      expect(runEnd(run).error).toContain("without ending its run");
      expect(tracked(run)).toEqual([{ step: 1 }]);
    },
    TIMEOUT,
  );

  test(
    "kill -9 while a forked child holds the pipe open: the recorder sees the process gone",
    async () => {
      const repo = repoWith({
        "t.py":
          "import os, time\nfrom exprag import Experiment\ne = Experiment('forked')\ne.track(1)\nif os.fork() == 0:\n    time.sleep(10)\n    os._exit(0)\nprint('ready', flush=True)\ntime.sleep(60)\n",
      });
      const started = startPython([python!, "t.py"], repo);
      await waitFor(() => started.output.text.includes("ready"), "the script to be ready", 30_000);
      started.proc.kill("SIGKILL");
      await waitFor(() => records(repo)[0]?.some((r) => r.kind === "run_end") === true, "run_end with the pipe still open");
      expect(runEnd(records(repo)[0]!).status).toBe("killed");
    },
    TIMEOUT,
  );

  test(
    "several Experiments are several runs; finish() ends one, and tracking after it says so",
    async () => {
      const repo = repoWith({
        "t.py": `from exprag import Experiment
a = Experiment("a"); b = Experiment("b", metadata={"k": 1})
a.track(1); b.track(2); a.finish()
try:
    a.track(3)
except RuntimeError as e:
    print("after finish:", e)
b.finish("failed")
`,
      });
      const result = await runPython([python!, "t.py"], repo);
      expect(result.stdout).toContain("has finished");
      const runs = records(repo);
      expect(runs).toHaveLength(2);
      const byName = Object.fromEntries(runs.map((run) => [run[0]!.experiment_name, run]));
      expect(tracked(byName.a!)).toEqual([1]);
      expect(runEnd(byName.b!).status).toBe("failed");
    },
    TIMEOUT,
  );

  test(
    "validation as the original: name, note, unserialisable values; NaN is kept (a deliberate difference)",
    async () => {
      const repo = repoWith({
        "t.py": `import math
from exprag import Experiment
def err(f):
    try:
        f()
    except Exception as e:
        return next(k.__name__ for k in (TypeError, ValueError, AttributeError, Exception) if isinstance(e, k))
    return "none"
print(err(lambda: Experiment(3)), err(lambda: Experiment("  ")), err(lambda: Experiment("x", metadata={1, 2})))
e = Experiment("v")
c = []; c.append(c)
print(err(lambda: e.track(1, note=3)), err(lambda: e.track({1, 2})), err(lambda: e.track(c)), err(lambda: e.track("\\ud800")))
print(err(lambda: setattr(e, "run_id", "x")), err(lambda: e.track({"loss": math.nan})))
e.track({1: "a", None: "b"}, note="")
e.track([1, (2, 3)])
e.track({"$note": "data"})
`,
      });
      const result = await runPython([python!, "t.py"], repo);
      expect(result.stderr).toBe("");
      expect(result.stdout.split("\n").slice(0, 3)).toEqual([
        "TypeError ValueError TypeError",
        "TypeError TypeError ValueError ValueError",
        "AttributeError none",
      ]);
      const runs = records(repo);
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      expect(tracked(run)).toEqual([{ loss: "NaN" }, { "1": "a", null: "b" }, [1, [2, 3]], { $note: "data" }]);
      expect(run.filter((r) => r.kind === "track")[1]!.note).toBe("");
      expect(runEnd(run).diverged).toMatchObject({ path: "loss" });
    },
    TIMEOUT,
  );

  test(
    "no binary: a clear error at Experiment(...) that says how to install it; nothing recorded",
    async () => {
      const repo = repoWith({ "t.py": "from exprag import Experiment\nExperiment('x')\n" });
      const missing = await runPython([python!, "t.py"], repo, { EXPRAG_BIN: join(repo, "nowhere", "exprag") });
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain("RuntimeError: exprag: cannot start the exprag binary");
      expect(missing.stderr).toContain("install");
      const broken = join(repo, "broken");
      writeFileSync(broken, "#!/bin/sh\nexit 3\n", { mode: 0o755 });
      const result = await runPython([python!, "t.py"], repo, { EXPRAG_BIN: broken });
      expect(result.stderr).toContain("did not start a run (exit 3)");
      expect(existsSync(store(repo))).toBe(false);
    },
    TIMEOUT,
  );
});
