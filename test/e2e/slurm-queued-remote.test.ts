/**
 * A Slurm sweep's points travel by push and pull as running runs do: the queued file first, then
 * the run its task recorded in its place (which replaces the queued file rather than extending it),
 * or the end Slurm gave it before it began. Slurm is faked (./fake-slurm.ts), so this runs anywhere.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeSlurm, runTask } from "./fake-slurm";
import { clonedProject, runIn } from "./git-harness";
import { tempDir } from "./harness";

const SAY = "import sys\nprint('hello', sys.argv[1])\n";

async function ok(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = await runIn(cwd, args, env);
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

/** A PATH where Slurm cannot be asked: its scontrol fails. */
function noSlurm(): Record<string, string> {
  const bin = tempDir();
  writeFileSync(join(bin, "scontrol"), "#!/bin/sh\nexit 1\n");
  chmodSync(join(bin, "scontrol"), 0o755);
  return { PATH: `${bin}:${process.env.PATH}` };
}

const statuses = async (clone: string, env: Record<string, string>, ids: string[]) => {
  const listed = JSON.parse((await ok(clone, ["ls", "--json", "--all"], env)).stdout.toString());
  const runs = (listed.runs ?? listed) as { run_id: string; status: string }[];
  return ids.map((id) => runs.find((run) => run.run_id === id)?.status);
};

describe.skipIf(!Bun.which("python3"))("a Slurm sweep's points through push and pull", () => {
  test("a queued point is pushed as a running run is; its run, or its end, supersedes it on pull", async () => {
    const { a, b, bare } = clonedProject({ "say.py": SAY });
    const { bin, state } = fakeSlurm();
    const slurm = { PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=0-2 JobState=PENDING Reason=JobHeldUser\n");
    const sweep = JSON.parse((await ok(a, ["sweep", "--slurm", "--json", "--grid", "x=1,2,3", "--", "python3", "say.py", "{x}"], slurm)).stdout.toString());
    const ids = (sweep.runs as { run_id: string }[]).map((run) => run.run_id);

    const first = JSON.parse((await ok(a, ["push", bare, "--json"])).stdout.toString());
    expect(first.pushed.map((run: { run_id: string }) => run.run_id).sort()).toEqual([...ids].sort());
    const pulled = JSON.parse((await ok(b, ["pull", bare, "--json"])).stdout.toString());
    expect(pulled.pulled).toHaveLength(3);
    expect(await statuses(b, noSlurm(), ids)).toEqual(["pending", "pending", "pending"]);

    // On the cluster: task 0 runs in its point's place, task 1 leaves the queue unstarted.
    expect(runTask(sweep.script, a, slurm, 0)).toBe(0);
    // Task 1 scancel'ed while pending: Slurm names its end, which is written into its file.
    writeFileSync(
      state,
      "JobId=78 ArrayJobId=77 ArrayTaskId=1 JobState=CANCELLED Reason=None\nJobId=77 ArrayJobId=77 ArrayTaskId=2 JobState=PENDING Reason=JobHeldUser\n",
    );
    expect(await statuses(a, slurm, ids)).toEqual(["ok", "cancelled", "pending"]);
    // The remote's queued copy of a run that ran here is older, not a difference to report.
    const back = await ok(a, ["pull", bare, "--json"]);
    expect(JSON.parse(back.stdout.toString()).kept).toEqual([]);
    expect(back.stderr).not.toContain("differs");

    const second = JSON.parse((await ok(a, ["push", bare, "--json"])).stdout.toString());
    expect(second.rejected).toEqual([]);
    expect(second.pushed.map((run: { run_id: string; grew: boolean }) => [run.run_id, run.grew]).sort()).toEqual(
      [
        [ids[0], true],
        [ids[1], true],
      ].sort(),
    );
    const again = JSON.parse((await ok(b, ["pull", bare, "--json"])).stdout.toString());
    expect(again.kept).toEqual([]);
    expect(again.grown.map((run: { run_id: string }) => run.run_id).sort()).toEqual([ids[0], ids[1]].sort());
    for (const id of ids) {
      const file = (clone: string) => readFileSync(join(clone, ".exprag", "runs", `${id}.jsonl`));
      expect(file(b)).toEqual(file(a));
    }
    // Read where Slurm cannot be asked: as the cluster's store reads them.
    expect(await statuses(b, noSlurm(), ids)).toEqual(["ok", "cancelled", "pending"]);
    expect((await ok(b, ["log", ids[0]!])).stdout.toString()).toBe("hello 1\n");
  }, 90_000);
});
