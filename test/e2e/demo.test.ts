import { expect, test } from "bun:test";
import { join } from "node:path";
import { cleanEnv, onlyRun, runEnd, tempDir, tracked } from "./harness";

test("npm run demo records the example run and lists it", async () => {
  const store = tempDir();
  await using proc = Bun.spawn([process.execPath, join(import.meta.dir, "..", "..", "scripts", "demo.ts")], {
    // The demo runs in this checkout: with no repository to see, it leaves no run/<id> branch here.
    env: cleanEnv({ EXPRAG_DIR: store, GIT_DIR: join(store, "no-repository") }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(code).toBe(0);
  expect(stderr).toContain("$ exprag ls");
  expect(stdout).toContain("step 4: loss");
  expect(stdout).toMatch(/\tdemo\t.*\tok\t0\t/);
  const records = onlyRun(store);
  expect(tracked(records).map((v) => v.step)).toEqual([0, 1, 2, 3, 4]);
  expect(records.find((r) => r.kind === "meta")!.value).toEqual({ hparams: { lr: 0.03, steps: 5 } });
  expect(tracked(records).every((v) => v.metrics.loss > 0 && v.metrics.loss < 1)).toBe(true);
  expect(runEnd(records).status).toBe("ok");
});
