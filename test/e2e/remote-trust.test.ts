/**
 * Pulled runs are untrusted input: a remote made by hand to be hostile gets only run files with
 * run ids for names into the store, mode 0600, never through a link, never outside the store.
 */
import { describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitEnv, gitIdentity, makeRepo, runIn } from "./git-harness";
import { cleanEnv, recordLine, tempDir } from "./harness";

const ID = "01a00000-0000-7000-8000-000000000001";
const BIG = "01a00000-0000-7000-8000-000000000002";

function object(repo: string, input: string | Buffer, ...args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], {
    cwd: repo,
    env: cleanEnv({ ...gitEnv, ...gitIdentity }),
    stdin: Buffer.from(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return result.stdout.toString().trim();
}

/** A bare remote whose run refs hold what no exprag would push. */
function hostileRemote(outside: string): string {
  const remote = join(tempDir(), "hostile.git");
  git(tempDir(), "init", "-q", "--bare", remote);
  const blob = (content: string) => object(remote, content, "hash-object", "-w", "--stdin");
  const tree = (lines: string[]) => object(remote, `${lines.join("\n")}\n`, "mktree");
  const commit = (treeId: string) => object(remote, "hostile\n", "commit-tree", treeId);
  const run = recordLine(ID, "run_start", { git: null, host: { hostname: "elsewhere" } }, { experiment_name: "evil\u001b]0;title\u0007" });
  const inner = tree([`100644 blob ${blob("x")}\tpayload`]);
  const hostile = tree([
    `100644 blob ${blob(run)}\trun.jsonl`,
    `120000 blob ${blob(outside)}\toutput.log`,
    `040000 tree ${inner}\tannotations.jsonl`,
    `100644 blob ${blob("stray")}\tREADME`,
  ]);
  git(remote, "update-ref", `refs/exprag/runs/${ID}`, commit(hostile));
  const plain = commit(tree([`100644 blob ${blob(run)}\trun.jsonl`]));
  git(remote, "update-ref", "refs/exprag/runs/not-a-run", plain);
  git(remote, "update-ref", `refs/exprag/runs/${ID.toUpperCase()}`, plain);
  git(remote, "update-ref", `refs/exprag/runs/${ID}-x`, plain);
  const big = recordLine(BIG, "run_start", { git: null }) + recordLine(BIG, "track", { pad: "x".repeat(4096) });
  git(remote, "update-ref", `refs/exprag/runs/${BIG}`, commit(tree([`100644 blob ${blob(big)}\trun.jsonl`])));
  return remote;
}

describe("exprag pull from an untrusted remote", () => {
  test("writes only run files named by run ids, mode 0600, and follows no link the remote sends", async () => {
    const outside = join(tempDir(), "victim");
    writeFileSync(outside, "untouched\n");
    const remote = hostileRemote(outside);
    const repo = makeRepo();
    const result = await runIn(repo, ["pull", remote, "--max-size", "2K", "--json"]);
    expect(result.exitCode).toBe(0);
    const outcome = JSON.parse(result.text);
    expect(outcome.pulled).toEqual([{ run_id: ID, commit: expect.any(String), files: ["run"] }]);
    expect(outcome.kept).toEqual([{ run_id: BIG, reason: `its run file on ${remote} is larger than --max-size; not pulled` }]);
    const runs = join(repo, ".exprag", "runs");
    expect(readdirSync(runs)).toEqual([`${ID}.jsonl`]);
    expect(lstatSync(join(runs, `${ID}.jsonl`)).mode & 0o777).toBe(0o600);
    expect(lstatSync(runs).mode & 0o777).toBe(0o700);
    expect(readFileSync(outside, "utf8")).toBe("untouched\n");
    // Its text is shown escaped, as any store's.
    const listed = await runIn(repo, ["ls", "--columns", "name,host"]);
    expect(listed.text).toBe("name\thost\nevil\\e]0;title\\u0007\telsewhere\n");
  });

  test("never writes through a link planted in the store, and says which run it kept", async () => {
    const source = makeRepo();
    expect((await runIn(source, ["run", "--name", "x", "--", "true"])).exitCode).toBe(0);
    const id = readdirSync(join(source, ".exprag", "runs"))
      .find((name) => name.endsWith(".jsonl"))!
      .replace(".jsonl", "");
    expect((await runIn(source, ["tag", id, "t"])).exitCode).toBe(0);
    const remote = join(tempDir(), "remote.git");
    git(tempDir(), "init", "-q", "--bare", remote);
    expect((await runIn(source, ["push", remote])).exitCode).toBe(0);

    const repo = makeRepo();
    const runs = join(repo, ".exprag", "runs");
    expect((await runIn(repo, ["run", "--name", "mine", "--", "true"])).exitCode).toBe(0);
    const victim = join(tempDir(), "victim");
    writeFileSync(victim, "untouched\n");
    symlinkSync(victim, join(runs, `${id}.jsonl`));
    symlinkSync(victim, join(runs, `${id}.annotations.jsonl`));
    mkdirSync(join(repo, ".exprag", "annotations"));
    symlinkSync(victim, join(repo, ".exprag", "annotations", `${id}.jsonl`));
    const result = await runIn(repo, ["pull", remote]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`run ${id.replace(/-/g, "").slice(-8)}: `);
    expect(result.stderr).toContain(`${join(runs, `${id}.jsonl`)} is not a regular file`);
    expect(result.stderr).toContain("kept this store's");
    expect(readFileSync(victim, "utf8")).toBe("untouched\n");
    expect(lstatSync(join(runs, `${id}.jsonl`)).isSymbolicLink()).toBe(true);
    expect(readdirSync(runs).filter((name) => name.startsWith(".pull-"))).toEqual([]);
  });
});
