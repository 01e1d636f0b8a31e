/** The outputs a watched search and a whole search find of the same change, and this process's inotify descriptors. */
import { expect } from "bun:test";
import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { folderRule } from "../../../src/core/context/output-folders";
import { findOutputs } from "../../../src/core/context/outputs";
import { OutputsWatch } from "../../../src/core/context/outputs-watch";

/** Runs `change` between watching and looking; returns both searches' file lists. */
export async function both(root: string, change: () => void, globs: string[] = []) {
  const store = join(root, ".exprag");
  const watch = OutputsWatch.start(root, folderRule([store]));
  expect(watch).not.toBeNull();
  // Not a wait for anything: the tree's own change times (utimes sets them to now) must lie
  // further back than the search's 25 ms of clock slack, or both searches would count them.
  await Bun.sleep(40);
  const since = Date.now();
  change();
  const changes = watch!.changes();
  const request = { root, since, globs, skip: [store] };
  const paths = (value: ReturnType<typeof findOutputs>) => value.files.map((file) => file.path);
  return { watched: changes && paths(findOutputs(request, changes)), whole: paths(findOutputs(request)), changes };
}

/** This process's inotify descriptors. */
export function inotifyFds(): string[] {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).includes("inotify");
    } catch {
      return false;
    }
  });
}
