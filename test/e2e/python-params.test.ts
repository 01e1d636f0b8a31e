/**
 * The parameters a Python script really used: exprag run's hook records what argparse (and click)
 * parsed, defaults included, and changes nothing the script does.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeRepo } from "./git-harness";
import { EXPRAG, readRecords, runFiles, runStart, type StoredRecord } from "./harness";
import { python, pythonWith, runPython } from "./python-harness";

const TIMEOUT = 60_000;
const clickPython = pythonWith("click");

const TRAIN = `import argparse
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--fast", action="store_true")
args = p.parse_args()
print(vars(args))
`;

/** Everything a script could notice of the hook: its parse results, sys.path, exits, help. */
const ODD = `import argparse, sys
p = argparse.ArgumentParser(prog="odd")
p.add_argument("--seed", type=int, default=7)
sub = p.add_subparsers(dest="command")
fit = sub.add_parser("fit")
fit.add_argument("--depth", type=int, default=4)
known, rest = p.parse_known_args()
print("known", vars(known), rest)
again = p.parse_known_args(["fit", "--depth", "9"])
print("again", vars(again[0]))
print("path", [e for e in sys.path if "exprag" not in e or "python-hook" in e])
print("custom", getattr(sys.modules.get("sitecustomize"), "MARK", None))
import argparse as a2
print("same", a2 is argparse, a2.ArgumentParser.parse_args.__name__)
if "--help-me" in rest:
    p.parse_args(["--help"])
`;

function repoWith(files: Record<string, string>): string {
  return makeRepo({ ...files, ".gitignore": ".exprag/\n" });
}

const runsOf = (repo: string): StoredRecord[][] => runFiles(join(repo, ".exprag")).map(readRecords);

async function exprag(repo: string, ...args: string[]) {
  return runPython([EXPRAG, ...args], repo, { PYTHONPATH: undefined });
}

describe.skipIf(!python)("the parameter hook (python3 needed)", () => {
  test(
    "argparse's defaults are the run's params, with where each came from; --where finds the default batch size",
    async () => {
      const repo = repoWith({ "train.py": TRAIN });
      const result = await exprag(repo, "run", "-q", "--", python!, "train.py", "--lr", "0.03", "--epochs", "010");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain("'batch_size': 32");
      const run = runsOf(repo)[0]!;
      expect(runStart(run).params).toEqual({ lr: 0.03, epochs: "010" });
      expect(runStart(run).params_hook).toBe("python");
      const params = run.find((r) => r.kind === "params")!;
      expect(params.value).toEqual({ lr: 0.03, batch_size: 32, epochs: 10, fast: false });
      expect(params.note).toBe("argparse: command line: lr, epochs; default: batch_size, fast");
      // Typed and parsed disagree on epochs: the parsed value wins, both stay in the file.
      const shown = JSON.parse((await exprag(repo, "show", "latest", "--json")).stdout);
      expect(shown.params).toEqual({ lr: 0.03, epochs: 10, batch_size: 32, fast: false });
      const found = JSON.parse((await exprag(repo, "ls", "--json", "--where", "params.batch_size = 32")).stdout);
      expect(found).toHaveLength(1);
      const best = JSON.parse((await exprag(repo, "ls", "--json", "--where", "params.epochs = 10 and params.fast = false")).stdout);
      expect(best).toHaveLength(1);
    },
    TIMEOUT,
  );

  test(
    "the script behaves exactly as without exprag: its own sitecustomize, two parses, parse_known_args, subparsers, sys.path, --help",
    async () => {
      const repo = repoWith({ "odd.py": ODD, "site/sitecustomize.py": "MARK = 'the project sitecustomize ran'\n" });
      const env = { PYTHONPATH: join(repo, "site") };
      const args = ["odd.py", "--seed", "1", "fit", "--extra"];
      const plain = await runPython([python!, ...args], repo, env);
      const wrapped = await runPython([EXPRAG, "run", "-q", "--", python!, ...args], repo, env);
      expect(plain.exitCode).toBe(0);
      expect(wrapped.stdout).toBe(plain.stdout);
      expect(wrapped.exitCode).toBe(plain.exitCode);
      expect(plain.stdout).toContain("the project sitecustomize ran");
      const run = runsOf(repo)[0]!;
      // Only the parse of the command line counts, subcommand options included.
      expect(run.filter((r) => r.kind === "params").map((r) => r.value)).toEqual([{ seed: 1, command: "fit", depth: 4 }]);

      const helpPlain = await runPython([python!, "odd.py", "--help-me"], repo, env);
      const helpWrapped = await runPython([EXPRAG, "run", "-q", "--", python!, "odd.py", "--help-me"], repo, env);
      expect(helpPlain.exitCode).toBe(0);
      expect(helpWrapped.stdout).toBe(helpPlain.stdout);
      expect(helpWrapped.exitCode).toBe(0);
      const error = await runPython([EXPRAG, "run", "-q", "--", python!, "odd.py", "--seed", "x"], repo, env);
      expect(error.exitCode).toBe(2);
      expect(error.stderr).toContain("invalid int value: 'x'");
    },
    TIMEOUT,
  );

  test(
    "--no-params: no hook on the path and no params record",
    async () => {
      const repo = repoWith({ "train.py": `${TRAIN}import os\nprint(os.environ.get("PYTHONPATH"))\n` });
      const result = await exprag(repo, "run", "-q", "--no-params", "--", python!, "train.py");
      expect(result.stdout.trim().split("\n").at(-1)).toBe("None");
      const run = runsOf(repo)[0]!;
      expect(run.some((r) => r.kind === "params")).toBe(false);
      expect(runStart(run).params_hook).toBeUndefined();
    },
    TIMEOUT,
  );

  test(
    "a subprocess that did not inherit the record pipe writes nothing into its own file on that descriptor",
    async () => {
      const worker = `import argparse, os
out = open("results.csv", "w")
p = argparse.ArgumentParser(); p.add_argument("--lr", type=float)
a = p.parse_args()
out.write("lr,acc\\n%s,0.9\\n" % a.lr); out.close()
`;
      // subprocess closes descriptor 3 in the child, so the worker's first file takes it.
      const driver = `import subprocess, sys\nsubprocess.run([sys.executable, "worker.py", "--lr", "0.1"], check=True)\n`;
      const repo = repoWith({ "worker.py": worker, "driver.py": driver });
      const result = await exprag(repo, "run", "-q", "--", python!, "driver.py");
      expect(result.exitCode, result.stderr).toBe(0);
      expect(await Bun.file(join(repo, "results.csv")).text()).toBe("lr,acc\n0.1,0.9\n");
    },
    TIMEOUT,
  );

  test(
    "a Python child that inherits the record pipe does not replace the program's params with its own",
    async () => {
      const child = 'import argparse\np = argparse.ArgumentParser(); p.add_argument("--lr", type=float, default=0.0)\np.parse_args()\n';
      const parent =
        'import argparse, subprocess, sys\np = argparse.ArgumentParser(); p.add_argument("--lr", type=float, default=0.01)\np.parse_args()\nsubprocess.run([sys.executable, "child.py"], close_fds=False, check=True)\n';
      const repo = repoWith({ "child.py": child, "parent.py": parent });
      const result = await exprag(repo, "run", "-q", "--", python!, "parent.py", "--lr", "0.5");
      expect(result.exitCode, result.stderr).toBe(0);
      const params = runsOf(repo)[0]!.filter((r) => r.kind === "params");
      expect(params.map((r) => r.value)).toEqual([{ lr: 0.5 }]);
    },
    TIMEOUT,
  );

  test(
    "python -m runs get the hook too",
    async () => {
      const repo = repoWith({ "pkg/__init__.py": "", "pkg/train.py": TRAIN });
      await exprag(repo, "run", "-q", "--", python!, "-m", "pkg.train", "--fast");
      const params = runsOf(repo)[0]!.find((r) => r.kind === "params")!;
      expect(params.value).toMatchObject({ fast: true, batch_size: 32 });
    },
    TIMEOUT,
  );

  test.skipIf(!clickPython)(
    "click: the parameters with their sources (python3-click needed)",
    async () => {
      const repo = repoWith({
        "cli.py": `import click
@click.command()
@click.option("--lr", type=float, default=0.1)
@click.option("--layers", type=int, default=2)
def main(lr, layers):
    print(lr, layers)
main()
`,
      });
      const result = await exprag(repo, "run", "-q", "--", clickPython!, "cli.py", "--layers", "5");
      expect(result.stdout.trim()).toBe("0.1 5");
      const params = runsOf(repo)[0]!.find((r) => r.kind === "params")!;
      expect(params.value).toEqual({ lr: 0.1, layers: 5 });
      expect(params.note).toBe("click: command line: layers; default: lr");
    },
    TIMEOUT,
  );
});
