import { expect, test } from "bun:test";
import { join } from "node:path";
import { runFilePath } from "../../../src/core/store";

test("a run's path is the one path.join makes, whatever the store's spelling or the id", () => {
  const stores = ["/s", "/s/", "s", "./s/../t", "/", "", "a//b/./c"];
  const ids = ["019b76da-a800-7000-8000-000000000000", "..", ".", "", "../x", "a/b", "/abs"];
  for (const store of [...stores, ...stores]) for (const id of ids) expect(runFilePath(store, id)).toBe(join(store, "runs", `${id}.jsonl`));
});
