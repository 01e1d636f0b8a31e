/**
 * A notebook, where no command is there to wrap: a real Jupyter kernel runs the cells, and each
 * Experiment is a run of its own, ended by finish(), by a with block, or by the kernel's death.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { makeRepo, write } from "./git-harness";
import { readRecords, runEnd, runFiles, runStart, tracked, waitFor } from "./harness";
import { pythonWith, runPython } from "./python-harness";

const kernelPython = pythonWith("ipykernel", "nbclient", "nbformat");

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  });
}

/** Runs the notebook in a kernel of `kernelPython`, as `jupyter nbconvert --execute` does. */
const EXECUTE = `import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
except Exception as e:
    print("stopped:", type(e).__name__)
`;

test.skipIf(!kernelPython)(
  "a notebook run by a real kernel records two runs, and a third that the kernel's death ends (python3-ipykernel and nbclient needed)",
  async () => {
    const repo = makeRepo({ ".gitignore": ".exprag/\n", "README.md": "# notebooks\n" });
    write(
      repo,
      "analysis.ipynb",
      notebook([
        "from exprag import Experiment",
        "a = Experiment('nb-a', metadata={'lr': 0.1})\nfor step in range(3):\n    a.track({'step': step, 'acc': 0.5 + step / 10})",
        "a.finish()",
        "with Experiment('nb-b') as b:\n    b.track({'acc': 0.9}, note='from a with block')",
        "c = Experiment('nb-c')\nc.track({'acc': 0.1})\nc._channel.flush()",
        "import os\nos.kill(os.getpid(), 9)",
      ]),
    );
    const result = await runPython([kernelPython!, "-c", EXECUTE, "analysis.ipynb"], repo, { JUPYTER_PLATFORM_DIRS: "1" });
    expect(result.stdout).toContain("stopped: DeadKernelError");
    const store = join(repo, ".exprag");
    await waitFor(
      () => runFiles(store).length === 3 && runFiles(store).every((f) => readRecords(f).some((r) => r.kind === "run_end")),
      "three ended runs",
      30_000,
    );
    const byName = Object.fromEntries(
      runFiles(store)
        .map((f) => readRecords(f))
        .map((run) => [run[0]!.experiment_name, run]),
    );
    expect(runEnd(byName["nb-a"]!)).toMatchObject({ status: "ok", counts: { track: 3 } });
    expect(runStart(byName["nb-a"]!).metadata).toEqual({ lr: 0.1 });
    expect(runEnd(byName["nb-b"]!)).toMatchObject({ status: "ok" });
    expect(tracked(byName["nb-b"]!)).toEqual([{ acc: 0.9 }]);
    expect(runEnd(byName["nb-c"]!).status).toBe("killed");
    expect(tracked(byName["nb-c"]!)).toEqual([{ acc: 0.1 }]);
    // The kernel is the run's process, not the notebook's client.
    expect(runStart(byName["nb-a"]!).process.argv.join(" ")).toContain("ipykernel");
  },
  120_000,
);
