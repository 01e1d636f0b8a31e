/**
 * The property a shared remote needs most: push, pull, gc, rm and a live run at once on one
 * store lose no record. Everything runs together for a few seconds; then every record is counted.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitEnv, makeRepo, runIn } from "./git-harness";
import { cleanEnv, EXPRAG, readRecords, runEnd, runFiles, tempDir, tracked, waitFor } from "./harness";

// A run file just made may not hold its first line yet.
const byName = (store: string, name: string) => runFiles(store).filter((file) => readRecords(file)[0]?.experiment_name === name);

test("push, pull, gc, rm and a live run together on one store lose no record", async () => {
  const root = tempDir();
  const remote = join(root, "remote.git");
  git(root, "init", "-q", "--bare", remote);
  const here = makeRepo();
  const peer = makeRepo();
  const store = join(here, ".exprag");
  const stop = join(root, "stop");

  // The live run: one record every few milliseconds until told to stop.
  const live = Bun.spawn(
    [EXPRAG, "run", "--name", "live", "--", "sh", "-c", `i=0; while [ ! -e ${stop} ]; do echo "EXPRAG::{\\"i\\":$i}"; i=$((i+1)); sleep 0.005; done`],
    { cwd: here, env: cleanEnv(gitEnv), stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  await waitFor(() => byName(store, "live").length === 1, "the live run's file");

  let running = true;
  const failures: string[] = [];
  const loop = async (what: string, step: (round: number) => Promise<{ exitCode: number; stderr: string } | undefined>) => {
    for (let round = 0; running; round++) {
      const result = await step(round);
      if (result && result.exitCode !== 0) failures.push(`${what} (round ${round}) exited ${result.exitCode}: ${result.stderr}`);
    }
  };
  let kept = 0;
  let peerRuns = 0;
  const loops = [
    loop("runs here", async (round) => {
      kept++;
      return runIn(here, ["run", "--name", `keep-${round}`, "--", "sh", "-c", `echo 'EXPRAG::{"round":${round}}'`]);
    }),
    loop("doomed runs and rm", async (round) => {
      await runIn(here, ["run", "--name", "doomed", "--", "true"]);
      return round % 2 ? runIn(here, ["rm", "--name", "doomed", "--yes"]) : undefined;
    }),
    loop("the peer's runs and push", async (round) => {
      peerRuns++;
      const recorded = await runIn(peer, ["run", "--name", `peer-${round}`, "--", "sh", "-c", `echo 'EXPRAG::{"peer":${round}}'`]);
      if (recorded.exitCode !== 0) return recorded;
      return runIn(peer, ["push", remote]);
    }),
    loop("push", () => runIn(here, ["push", remote])),
    loop("pull", () => runIn(here, ["pull", remote])),
    loop("gc", () => runIn(here, ["gc"])),
  ];
  try {
    // A few seconds of everything at once, then the loops finish their round.
    await Bun.sleep(4000);
    running = false;
    await Promise.all(loops);
  } finally {
    running = false;
    writeFileSync(stop, "");
  }
  expect(await live.exited).toBe(0);
  // What was pushed meanwhile arrives whole in a last pull.
  expect((await runIn(peer, ["push", remote])).exitCode).toBe(0);
  expect((await runIn(here, ["pull", remote])).exitCode).toBe(0);

  expect(failures.filter((failure) => !failure.startsWith("rm"))).toEqual([]);
  const [liveFile] = byName(store, "live");
  const records = readRecords(liveFile!);
  const values = tracked(records).map((value) => value.i);
  expect(values.length).toBeGreaterThan(0);
  expect(values).toEqual([...Array(values.length).keys()]);
  expect(runEnd(records)).toMatchObject({ status: "ok", counts: { track: values.length } });
  for (let round = 0; round < kept; round++) {
    const [file] = byName(store, `keep-${round}`);
    expect(file).toBeDefined();
    expect(tracked(readRecords(file!))).toEqual([{ round }]);
    expect(runEnd(readRecords(file!)).status).toBe("ok");
  }
  for (let round = 0; round < peerRuns; round++) {
    const [mine] = byName(join(peer, ".exprag"), `peer-${round}`);
    const [pulled] = byName(store, `peer-${round}`);
    expect(pulled).toBeDefined();
    expect(readFileSync(pulled!)).toEqual(readFileSync(mine!));
  }
}, 180_000);
