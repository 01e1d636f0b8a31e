import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { withRemoteLock } from "../../../src/core/remote/store-lock";
import { tempDir } from "../../temp-dir";

const store = () => tempDir("exprag-lock-");

/** A script that takes the lock in a process of its own: `lines` after the imports it needs. */
function workerScript(lines: string[]): string {
  const worker = join(store(), "worker.ts");
  const lock = JSON.stringify(join(import.meta.dir, "../../../src/core/remote/store-lock"));
  writeFileSync(worker, [`import { appendFileSync } from "node:fs";`, `import { withRemoteLock } from ${lock};`, ...lines].join("\n"));
  return worker;
}

describe("one push or pull at a time in a store", () => {
  test("a second one waits until the first has finished, and says so once", async () => {
    const dir = store();
    const order: string[] = [];
    const said: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = withRemoteLock(
      dir,
      "exprag push",
      () => {},
      async () => {
        order.push("first starts");
        await held;
        order.push("first ends");
      },
    );
    const second = withRemoteLock(
      dir,
      "exprag pull",
      (message) => said.push(message),
      async () => {
        order.push("second runs");
      },
    );
    while (said.length === 0) await Bun.sleep(5);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first starts", "first ends", "second runs"]);
    expect(said).toEqual([`waiting for exprag push (pid ${process.pid} on ${hostname()}) in this store to finish`]);
    expect(existsSync(join(dir, "remote.lock"))).toBe(false);
  });

  test("a lock whose holder died is taken over; the lock goes when the work throws", async () => {
    const dir = store();
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(join(dir, "remote.lock"), JSON.stringify({ pid: dead, host: hostname(), what: "exprag pull" }));
    await expect(
      withRemoteLock(
        dir,
        "exprag push",
        () => {},
        async () => Promise.reject(new Error("boom")),
      ),
    ).rejects.toThrow("boom");
    expect(existsSync(join(dir, "remote.lock"))).toBe(false);
  });

  test("waiters that all find a dead holder's lock take it one at a time", async () => {
    // Each waiter, its own process, holds the lock 150 ms and logs when it starts and ends.
    const worker = workerScript([
      "const [dir, at] = [process.argv[2]!, Number(process.argv[3])];",
      "while (Date.now() < at);",
      "await withRemoteLock(dir, 'worker', () => {}, async () => {",
      "  appendFileSync(`${dir}/log`, `start ${performance.timeOrigin + performance.now()}\\n`);",
      "  await Bun.sleep(150);",
      "  appendFileSync(`${dir}/log`, `end ${performance.timeOrigin + performance.now()}\\n`);",
      "});",
    ]);
    for (let trial = 0; trial < 3; trial++) {
      const dir = store();
      writeFileSync(join(dir, "remote.lock"), JSON.stringify({ pid: Bun.spawnSync(["true"]).pid, host: hostname(), what: "exprag pull" }));
      const at = String(Date.now() + 1500);
      const workers = Array.from({ length: 4 }, () => Bun.spawn([process.execPath, worker, dir, at], { stdout: "ignore", stderr: "inherit" }));
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
      const events = readFileSync(join(dir, "log"), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(" "))
        .sort((a, b) => Number(a[1]) - Number(b[1]));
      let holding = 0;
      let most = 0;
      for (const [kind] of events) {
        holding += kind === "start" ? 1 : -1;
        most = Math.max(most, holding);
      }
      expect(events).toHaveLength(8);
      expect(most).toBe(1);
      expect(readdirSync(dir).sort()).toEqual(["log"]);
    }
  }, 60_000);

  test("a dead holder's lock another waiter is taking over is waited for, without spinning, and then taken", async () => {
    const dir = store();
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(join(dir, "remote.lock"), JSON.stringify({ pid: dead, host: hostname(), what: "exprag pull" }));
    // A live waiter (this test's process, as far as the lock can tell) in the middle of its takeover.
    writeFileSync(join(dir, "remote.lock.takeover"), JSON.stringify({ pid: process.pid, host: hostname(), what: "a takeover", token: "t" }));
    // The waiter in a process of its own: one that spun would hold up no test but its own.
    const worker = workerScript([
      "const log = (line: string) => appendFileSync(process.argv[3]!, `${line}\\n`);",
      "await withRemoteLock(process.argv[2]!, 'exprag push', () => log('waiting'), async () => log('ran'));",
    ]);
    const log = join(store(), "log");
    const waiter = Bun.spawn([process.execPath, worker, dir, log], { stdout: "ignore", stderr: "inherit" });
    try {
      const said = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
      for (const deadline = Date.now() + 30_000; !said().includes("waiting"); await Bun.sleep(10)) expect(Date.now()).toBeLessThan(deadline);
      expect(said()).toBe("waiting\n");
      rmSync(join(dir, "remote.lock.takeover"));
      const ended = await Promise.race([waiter.exited, Bun.sleep(30_000).then(() => "still waiting")]);
      expect(ended).toBe(0);
      expect(said()).toBe("waiting\nran\n");
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      waiter.kill();
    }
  }, 60_000);

  test("a takeover guard left by a waiter that died within it is kept while it is fresh, cleared once 10 s old, and the lock taken", async () => {
    for (const guardText of [null, ""]) {
      const dir = store();
      const dead = Bun.spawnSync(["true"]).pid;
      writeFileSync(join(dir, "remote.lock"), JSON.stringify({ pid: dead, host: hostname(), what: "exprag pull" }));
      const guard = join(dir, "remote.lock.takeover");
      // Its taker died: one that named itself, or one killed before it could (where there are no hard links).
      writeFileSync(guard, guardText ?? JSON.stringify({ pid: dead, host: hostname(), what: "a takeover", token: "t" }));
      const said: string[] = [];
      let ran = false;
      const waiting = withRemoteLock(
        dir,
        "exprag push",
        (message) => said.push(message),
        async () => {
          ran = true;
        },
      );
      while (said.length === 0) await Bun.sleep(5);
      await Bun.sleep(100);
      // Fresh, it may be a live waiter's that has not yet written its name: kept.
      expect([ran, existsSync(guard)]).toEqual([false, true]);
      utimesSync(guard, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      await waiting;
      expect(ran).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  test("a store that does not exist yet takes no lock", async () => {
    const dir = join(store(), "not-yet");
    expect(
      await withRemoteLock(
        dir,
        "exprag pull",
        () => {},
        async () => 7,
      ),
    ).toBe(7);
    expect(existsSync(dir)).toBe(false);
  });
});
