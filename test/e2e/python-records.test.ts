/**
 * What the Python package's Experiment sends, and how it ends, in the cases a plain script does
 * not meet: forked children and several writers on one pipe, a Ctrl-C in the middle of a batch,
 * values at the limits, metadata Python writes but JSON does not hold, an Experiment nobody holds
 * any more, a SystemExit, a folder deleted under the process.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeRepo } from "./git-harness";
import { EXPRAG, readRecords, runEnd, runFiles, runStart, type StoredRecord, tempDir, tracked } from "./harness";
import { python, runPython } from "./python-harness";

const TIMEOUT = 120_000;

/** A repository holding `script` as t.py; its runs once `python t.py` (under `exprag run` when `wrapped`) ended. */
async function ran(script: string, options: { wrapped?: boolean; env?: Record<string, string> } = {}) {
  const repo = makeRepo({ "t.py": script, ".gitignore": ".exprag/\n" });
  const argv = options.wrapped ? [EXPRAG, "run", "-q", "--", python!, "t.py"] : [python!, "t.py"];
  const result = await runPython(argv, repo, options.env);
  const runs = runFiles(join(repo, ".exprag")).map(readRecords);
  return { repo, result, runs };
}

const kinds = (run: StoredRecord[], kind: string) => run.filter((r) => r.kind === kind);

describe.skipIf(!python)("Experiment's records (python3 needed)", () => {
  test(
    "forked children's tracks all arrive once, while a thread tracks: none waits on a lock the fork copied, none repeats the parent's",
    async () => {
      const { result, runs } = await ran(`import os, threading, time, multiprocessing as mp
from exprag import Experiment
e = Experiment("f")
e.track({"who": "parent"})
busy = True
def spam():
    while busy:
        e.track({"pad": "q" * 1000})
threading.Thread(target=spam, daemon=True).start()
for k in range(30):
    pid = os.fork()
    if pid == 0:
        e.track({"child": k})
        os._exit(0)
    os.waitpid(pid, 0)
busy = False
processes = [mp.get_context("fork").Process(target=e.track, args=({"worker": i},)) for i in range(3)]
[p.start() for p in processes]
[p.join() for p in processes]
e.finish()
`);
      expect(result.exitCode).toBe(0);
      const values = tracked(runs[0]!);
      expect(values.filter((v) => "child" in v).map((v) => v.child)).toEqual([...Array(30).keys()]);
      expect(
        values
          .filter((v) => "worker" in v)
          .map((v) => v.worker)
          .sort(),
      ).toEqual([0, 1, 2]);
      expect(values.filter((v) => v.who === "parent")).toHaveLength(1);
      expect(kinds(runs[0]!, "parse_error")).toEqual([]);
    },
    TIMEOUT,
  );

  test.each([
    ["standalone", false],
    ["under exprag run", true],
  ])(
    "four processes tracking into one pipe lose no line and cut none (%s)",
    async (_where, wrapped) => {
      const { result, runs } = await ran(
        `import os
from exprag import Experiment
e = Experiment("h")
for k in range(3):
    if os.fork() == 0:
        [e.track({"c": k, "i": i, "pad": "z" * 200}) for i in range(2000)]
        os._exit(0)
[e.track({"c": "p", "i": i, "pad": "z" * 200}) for i in range(2000)]
[os.wait() for _ in range(3)]
`,
        { wrapped },
      );
      expect(result.exitCode).toBe(0);
      expect(kinds(runs[0]!, "parse_error")).toEqual([]);
      expect(tracked(runs[0]!)).toHaveLength(8000);
    },
    TIMEOUT,
  );

  test(
    "a Ctrl-C while a batch is written leaves no half line: what is tracked after it is recorded",
    async () => {
      const { runs } = await ran(`import os, signal, threading
from exprag import Experiment
e = Experiment("k")
threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    while True:
        e.track({"pad": "p" * 200000})
except KeyboardInterrupt:
    pass
e.track({"final": True})
e.finish()
`);
      expect(kinds(runs[0]!, "parse_error")).toEqual([]);
      expect(tracked(runs[0]!).at(-1)).toEqual({ final: true });
    },
    TIMEOUT,
  );

  test(
    "a tracked dict holding $params is data; a value 100 deep is kept with a note; one over 64 MiB is refused at track()",
    async () => {
      const deep = `eval("[" * 100 + "]" * 100)`;
      const { result, runs } = await ran(`from exprag import Experiment
e = Experiment("limits", {"m": eval("[" * 99 + "]" * 99)})
e.track({"$params": {"k": 1}, "a": 2}, note="n")
e.track(${deep}, note="deep")
e.track({"$value": eval("[" * 99 + "]" * 99)})
try:
    e.track({"b": "x" * (65 << 20)})
except ValueError as error:
    print(error)
e.finish()
`);
      expect(result.stdout).toMatch(/^a record may be at most 64 MiB of JSON; this one is \d+ bytes\n$/);
      const run = runs[0]!;
      expect(kinds(run, "params")).toEqual([]);
      expect(kinds(run, "parse_error")).toEqual([]);
      const values = tracked(run);
      expect(values[0]).toEqual({ $params: { k: 1 }, a: 2 });
      expect(JSON.stringify(values[1])).toBe(`${"[".repeat(100)}${"]".repeat(100)}`);
      expect(JSON.stringify(values[2])).toBe(`{"$value":${"[".repeat(99)}${"]".repeat(99)}}`);
      expect(values).toHaveLength(3);
    },
    TIMEOUT,
  );

  test(
    "metadata 100 deep joins a wrapping run; standalone, integers past double precision stay exact and NaN is kept as text",
    async () => {
      const wrapped = await ran(`from exprag import Experiment\nExperiment("w", {"m": eval("[" * 99 + "]" * 99)}).track(1)\n`, { wrapped: true });
      expect(kinds(wrapped.runs[0]!, "meta")).toHaveLength(1);
      expect(kinds(wrapped.runs[0]!, "parse_error")).toEqual([]);
      const { runs, repo } = await ran(`from exprag import Experiment
e = Experiment("s", {"seed": 12345678901234567, "big": 2**63 - 1, "small": -2**64 + 1, "lr": 0.1, "nan": float("nan"), "inf": float("-inf")})
e.finish()
`);
      const line = (await Bun.file(runFiles(join(repo, ".exprag"))[0]!).text()).split("\n")[0]!;
      expect(line).toContain(
        '"metadata":{"seed":12345678901234567,"big":9223372036854775807,"small":-18446744073709551615,"lr":0.1,"nan":"NaN","inf":"-Infinity"}',
      );
      expect(runEnd(runs[0]!)).toMatchObject({ status: "ok" });
    },
    TIMEOUT,
  );

  test(
    "SystemExit in a with block and the builtin exit() end the run with their code",
    async () => {
      const inBlock = await ran(`from exprag import Experiment\nwith Experiment("a"):\n    raise SystemExit(3)\n`);
      expect(inBlock.result.exitCode).toBe(3);
      expect(runEnd(inBlock.runs[0]!)).toMatchObject({ status: "failed", exit_code: 3, error: "sys.exit(3)" });
      const builtin = await ran(`from exprag import Experiment\ne = Experiment("b")\nexit(4)\n`);
      expect(builtin.result.exitCode).toBe(4);
      expect(runEnd(builtin.runs[0]!)).toMatchObject({ status: "failed", exit_code: 4 });
    },
    TIMEOUT,
  );

  test(
    "a run ends as the process does: not by a sys.exit in a thread, nor by an error a session showed and went on from; by the error another excepthook printed; by os._exit, its batch written first",
    async () => {
      // Before: failed with exit 3 (the thread's sys.exit), failed (the error typed at the prompt),
      // ok (the hook replaced after Experiment), and killed with no track at all (os._exit).
      const thread = await ran(
        `import sys, threading\nfrom exprag import Experiment\ne = Experiment("t")\nt = threading.Thread(target=lambda: sys.exit(3))\nt.start()\nt.join()\ne.track(1)\n`,
      );
      expect(thread.result.exitCode).toBe(0);
      expect(runEnd(thread.runs[0]!)).toMatchObject({ status: "ok", exit_code: 0 });
      const repo = makeRepo({ "t.py": `from exprag import Experiment\ne = Experiment("i")\ne.track(1)\nraise ValueError("shown, then the prompt")\n` });
      const session = await runPython([python!, "-i", "t.py"], repo);
      expect([session.exitCode, session.stderr]).toEqual([0, expect.stringContaining("ValueError: shown, then the prompt")]);
      expect(runEnd(readRecords(runFiles(join(repo, ".exprag"))[0]!))).toMatchObject({ status: "ok", exit_code: 0 });
      const hook = await ran(
        `import sys\nfrom exprag import Experiment\ne = Experiment("h")\nsys.excepthook = lambda *a: print("own hook", file=sys.stderr)\nraise RuntimeError("boom")\n`,
      );
      expect([hook.result.exitCode, hook.result.stderr]).toEqual([1, "own hook\n"]);
      expect(runEnd(hook.runs[0]!)).toMatchObject({ status: "failed", exit_code: 1, error: "RuntimeError: boom" });
      for (const wrapped of [false, true]) {
        // The keyword form, as os._exit takes it too.
        const exit = wrapped ? "os._exit(status=4)" : "os._exit(4)";
        const quick = await ran(`import os\nfrom exprag import Experiment\ne = Experiment("o")\nfor i in range(3):\n    e.track({"i": i})\n${exit}\n`, {
          wrapped,
        });
        expect(quick.result.exitCode).toBe(4);
        expect(tracked(quick.runs[0]!)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
        expect(runEnd(quick.runs[0]!)).toMatchObject(wrapped ? { status: "failed", exit_code: 4 } : { status: "failed", exit_code: 4, error: "os._exit(4)" });
      }
    },
    TIMEOUT,
  );

  test(
    "an Experiment nobody holds ends ok when it goes, so a loop of them holds no recorder open; one still held ends as the process does",
    async () => {
      const { result, runs } = await ran(`import resource
from exprag import Experiment
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
for i in range(80):
    Experiment(f"s{i}").track(i)
exp = Experiment("held")
raise RuntimeError("boom")
`);
      expect(result.stderr).toContain("RuntimeError: boom");
      expect(runs).toHaveLength(81);
      const byName = new Map(runs.map((run) => [run[0]!.experiment_name, run]));
      for (let i = 0; i < 80; i++) expect(runEnd(byName.get(`s${i}`)!)).toMatchObject({ status: "ok", counts: { track: 1 } });
      expect(runEnd(byName.get("held")!)).toMatchObject({ status: "failed", error: "RuntimeError: boom" });
    },
    TIMEOUT,
  );

  test(
    "in a folder deleted under it, an Experiment says so without a store given, and records into an absolute EXPRAG_DIR",
    async () => {
      const script = `import os
from exprag import Experiment
os.mkdir("gone"); os.chdir("gone"); os.rmdir(os.getcwd())
try:
    e = Experiment("x")
except FileNotFoundError as error:
    print(error)
else:
    e.track(1)
    e.finish()
    print(e.path)
`;
      const refused = await ran(script);
      expect(refused.result.stdout).toBe(
        "exprag: the current folder was deleted, so the run has no store to go to; change folder, or set EXPRAG_DIR to an absolute path\n",
      );
      const store = tempDir();
      const recorded = await ran(script, { env: { EXPRAG_DIR: store } });
      expect(recorded.result.stdout.trim()).toBe(runFiles(store)[0]!);
      expect(runStart(readRecords(runFiles(store)[0]!)).process.pid).toBeGreaterThan(0);
      expect(runEnd(readRecords(runFiles(store)[0]!))).toMatchObject({ status: "ok", counts: { track: 1 } });
    },
    TIMEOUT,
  );
});
