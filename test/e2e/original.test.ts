/**
 * Stores written by the original Python exprag (releases 0.1.0 to 0.1.2) keep working, mixed with
 * this exprag's runs: run_start and track only, sorted keys, nanosecond +00:00 times, integer
 * elapsed_ms, UUIDv4 ids, `git: null` outside a repository, and three shapes of `git`.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitFiles, git, makeRepo, runIn, write } from "./git-harness";
import { exprag, tempDir } from "./harness";

const FIXTURES = join(import.meta.dir, "fixtures", "original");

/** Copies the original's run files into `store`, named as the original named them. */
function originalStore(store: string): void {
  mkdirSync(join(store, "runs"), { recursive: true });
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(store, "runs", `${name.slice(6, -"-fixture.jsonl".length)}.jsonl`));
}

describe("a store of the original's runs, with ours among them", () => {
  const cwd = tempDir();
  const store = join(cwd, ".exprag");
  originalStore(store);
  const json = async (...args: string[]) => JSON.parse((await exprag([...args, "--json"], { cwd })).text);

  test("runs are ordered by when they started, not by their UUIDv4 ids; latest and latest~N follow", async () => {
    await exprag(["run", "--name", "ours", "--", "true"], { cwd });
    const names = (await json("ls", "--all")).map((r: { experiment_name: string }) => r.experiment_name);
    expect(names).toEqual([
      "ours",
      "dirty-010",
      "dirty-011",
      "scalars",
      "nogit-run",
      "after-commit",
      "raise-run",
      "nan-run",
      "dirty-run",
      "bigbatch",
      "lower-lr",
      "baseline",
    ]);
    expect((await json("show", "latest~1")).experiment_name).toBe("dirty-010");
    expect((await json("show", "latest~11")).experiment_name).toBe("baseline");
  });

  test("--since and --until use when a run started (created_at)", async () => {
    const names = (await json("ls", "--since", "2026-12-01T18:27:00Z", "--until", "2026-12-01T18:30:00Z")).map(
      (r: { experiment_name: string }) => r.experiment_name,
    );
    expect(names).toEqual(["scalars", "nogit-run", "after-commit"]);
  });

  test("without run_end or a writer's identity they are unknown; their values, metadata and params read", async () => {
    const [baseline] = await json("ls", "--name", "baseline");
    expect(baseline).toMatchObject({ status: "unknown", metadata: { hparams: { batch_size: 32, lr: 0.1 }, mode: "ok" }, metrics: { "metrics.acc": 0.9 } });
    const ranked = await json("best", "metrics.acc", "--max", "--where", "meta.hparams.batch_size = 32 and meta.mode = ok");
    expect(ranked.map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["baseline", "nogit-run", "dirty-run", "lower-lr"]);
    const points = await json("values", "metrics.loss", "--name", "lower-lr");
    expect(points[0]).toMatchObject({ step: 0, created_at: expect.stringMatching(/^2026-12-01T18:26:53\.\d{9}\+00:00$/) });
    expect(typeof points[0].elapsed_ms).toBe("number");
  });
});

test("the original's store in a subfolder is found from that folder; the top's own store from the top", async () => {
  const repo = makeRepo();
  originalStore(join(repo, "experiments", ".exprag"));
  await runIn(repo, ["run", "--name", "top", "--", "true"]);
  const fromSub = JSON.parse((await runIn(join(repo, "experiments"), ["ls", "--json"])).text);
  expect(fromSub).toHaveLength(11);
  const fromTop = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
  expect(fromTop.map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["top"]);
  mkdirSync(join(repo, "experiments", "deeper"));
  expect(JSON.parse((await runIn(join(repo, "experiments", "deeper"), ["ls", "--json"])).text)).toHaveLength(11);
});

describe("restoring the code of the original's runs", () => {
  /** A repository with a commit and a snapshot of a dirty change on run/<id>, as the original made them. */
  function repository(runId: string) {
    const repo = makeRepo({ "code.py": "v1\n" });
    const head = git(repo, "rev-parse", "HEAD").trim();
    write(repo, "code.py", "v2 uncommitted\n");
    git(repo, "add", "-A");
    const tree = git(repo, "write-tree").trim();
    const snapshot = git(repo, "commit-tree", tree, "-p", head, "-m", "exprag snapshot").trim();
    git(repo, "update-ref", `refs/heads/run/${runId}`, snapshot);
    git(repo, "reset", "-q", "--hard", head);
    return { repo, head, snapshot };
  }
  const line = (runId: string, version: string, gitValue: unknown) =>
    `${JSON.stringify({ created_at: "2026-12-01T18:40:15.543930803+00:00", elapsed_ms: 12, experiment_name: "old", exprag_version: version, kind: "run_start", run_id: runId, schema_version: 1, value: { git: gitValue, metadata: {}, process: { argv: ["python"], cwd: "/x", pid: 1, ppid: 1 } } })}\n`;
  const place = (repo: string, runId: string, text: string) => {
    mkdirSync(join(repo, ".exprag", "runs"), { recursive: true });
    writeFileSync(join(repo, ".exprag", "runs", `${runId}.jsonl`), text);
  };

  test("0.1.2: the snapshot is the commit, on run/<id>; it restores without a false warning, and rm takes its branch", async () => {
    const id = "2ddb4292-b094-46eb-b608-3df5e893c8ec";
    const { repo, snapshot } = repository(id);
    place(repo, id, line(id, "0.1.2", { branch: `run/${id}`, commit: snapshot, dirty: true }));
    const worktree = join(tempDir(), "wt");
    const result = await runIn(repo, ["checkout", id, "--worktree", worktree]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain("not snapshotted");
    expect(readFileSync(join(worktree, "code.py"), "utf8")).toBe("v2 uncommitted\n");
    git(repo, "worktree", "remove", "--force", worktree);
    expect((await runIn(repo, ["rm", id, "--yes"])).exitCode).toBe(0);
    expect(git(repo, "for-each-ref", "refs/heads/run/")).toBe("");
  });

  test("0.1.1: the snapshot is run_commit; commit is HEAD", async () => {
    const id = "15cb3a25-d3e2-483f-b37b-d309c14e9f75";
    const { repo, head, snapshot } = repository(id);
    place(repo, id, line(id, "0.1.1", { branch: "main", commit: head, dirty: true, run_branch: `run/${id}`, run_commit: snapshot }));
    const diff = await runIn(repo, ["diff", id, "--stat"]);
    expect(diff.stderr).not.toContain("not snapshotted");
    expect(diff.text).toContain("code.py");
    expect(commitFiles(repo, snapshot)).toEqual(commitFiles(repo, JSON.parse((await runIn(repo, ["show", id, "--json"])).text).commit));
  });

  test("0.1.0: no snapshot at all, only the diff text: restoring says so", async () => {
    const id = "18ac82d9-fb55-4b4f-a99d-e78dd0cc137e";
    const { repo, head } = repository(id);
    place(repo, id, line(id, "0.1.0", { branch: "main", commit: head, dirty: true, status: " M code.py", diff: "diff --git a/code.py b/code.py" }));
    const result = await runIn(repo, ["checkout", id, "--worktree", join(tempDir(), "wt")]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("recorded by the original exprag 0.1.0, which made no snapshot");
    const shown = JSON.parse((await runIn(repo, ["show", id, "--json"])).text);
    expect(shown.git).toMatchObject({ commit: head, snapshot_ref: null, status: { lines: [" M code.py"], total: 1 } });
    expect(existsSync(join(repo, ".exprag", "runs", `${id}.jsonl`))).toBe(true);
  });
});
