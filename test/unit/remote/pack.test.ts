import { describe, expect, test } from "bun:test";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Git } from "../../../src/core/git/repository";
import { hashFile } from "../../../src/core/remote/objects";
import { writeRunCommits } from "../../../src/core/remote/pack";
import { tempDir } from "../../temp-dir";

/** A repository, and a run file in it hashed as push hashes it. */
function hashedRun() {
  const repo = tempDir("exprag-pack-");
  const git = new Git(repo, { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: "1" });
  expect(git.run(["init", "-q"]).code).toBe(0);
  const file = join(repo, "run.jsonl");
  writeFileSync(file, '{"kind":"run_start","value":{"queued":{}}}\n');
  const version = hashFile(file, "sha1", true)!;
  const commit = { ref: "refs/exprag/runs/r1", base: null, code: null, files: [{ name: "run.jsonl", version }], message: "run\n" };
  return { repo, git, file, commit };
}

describe("run commits", () => {
  test("a file put in the hashed one's place since (a queued point's run began) is not copied in part: the run is left out", async () => {
    const { repo, git, file, commit } = hashedRun();
    writeFileSync(join(repo, "next"), '{"kind":"run_start","value":{"the run itself":true}}\n{"kind":"track"}\n');
    renameSync(join(repo, "next"), file);
    expect(await writeRunCommits(git, [commit])).toEqual(new Map([["refs/exprag/runs/r1", "replaced"]]));
    expect(git.run(["rev-parse", "--verify", "--quiet", "refs/exprag/runs/r1"]).code).not.toBe(0);
  });

  test("a file deleted since it was hashed leaves its run out too; one that only grew is committed as hashed", async () => {
    const gone = hashedRun();
    rmSync(gone.file);
    expect(await writeRunCommits(gone.git, [gone.commit])).toEqual(new Map([["refs/exprag/runs/r1", "deleted"]]));
    const grown = hashedRun();
    writeFileSync(grown.file, '{"kind":"track"}\n', { flag: "a" });
    expect(await writeRunCommits(grown.git, [grown.commit])).toEqual(new Map());
    expect(grown.git.run(["rev-parse", "refs/exprag/runs/r1:run.jsonl"]).stdout.toString().trim()).toBe(grown.commit.files[0]!.version.id);
  });
});
