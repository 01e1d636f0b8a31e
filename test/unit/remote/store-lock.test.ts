import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { withRemoteLock } from "../../../src/core/remote/store-lock";
import { tempDir } from "../../temp-dir";

const store = () => tempDir("exprag-lock-");

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
