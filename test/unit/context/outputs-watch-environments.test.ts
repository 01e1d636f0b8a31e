/**
 * The outputs watch tells virtualenvs and conda environments from the entries it lists (outputs.ts's
 * folder rule), as the whole search does: the same files, and no watch held inside one.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { folderRule } from "../../../src/core/context/output-folders";
import { OutputsWatch } from "../../../src/core/context/outputs-watch";
import { platform } from "../../../src/core/os/platform";
import { tempDir } from "../../temp-dir";
import { expectedOutputs, makeEnvironments, writeInEach } from "./environment-folders";
import { both, inotifyFds } from "./watched-search";

describe.skipIf(!platform.inotify)("virtualenvs and conda environments, told by their own entries", () => {
  test("the watched search finds what the whole search finds", async () => {
    const root = tempDir("exprag-watch-environments-");
    makeEnvironments(root);
    const { watched, whole } = await both(root, () => writeInEach(root));
    expect(whole).toEqual(expectedOutputs(root));
    expect(watched).toEqual(whole);
  });

  test("environments made and unmade while the run ran: the same files", async () => {
    const root = tempDir("exprag-watch-environments-");
    makeEnvironments(root);
    const { watched, whole } = await both(root, () => {
      writeInEach(root);
      writeFileSync(join(root, "no-such-file"), "the dangling link's target\n"); // dangling-cfg becomes one
      rmSync(join(root, "venv/pyvenv.cfg")); // venv stops being one, and linked-cfg's link dangles
      renameSync(join(root, "cfg-folder/pyvenv.cfg"), join(root, "cfg-folder/renamed"));
    });
    expect(whole).toContain("venv/lib/site.py");
    expect(whole).toContain("linked-cfg/lib/x.py");
    expect(whole).toContain("cfg-folder/renamed/inside.txt");
    expect(whole).not.toContain("dangling-cfg/new.txt");
    expect(watched).toEqual(whole);
  });

  test("no watch is held on an environment's folder, nor under it", () => {
    const root = tempDir("exprag-watch-environments-");
    makeEnvironments(root);
    const before = new Set(inotifyFds());
    const watch = OutputsWatch.start(root, folderRule([]))!;
    try {
      const [fd] = inotifyFds().filter((fd) => !before.has(fd));
      const held = new Set(
        [...readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").matchAll(/^inotify wd:[0-9a-f]+ ino:([0-9a-f]+)/gm)].map((m) => Number.parseInt(m[1]!, 16)),
      );
      const inode = (path: string) => statSync(join(root, path)).ino;
      const watched = (folders: string[]) => folders.filter((folder) => held.has(inode(folder)));
      const searched = ["", "src", "src/deep", "dangling-cfg", "dangling-cfg/lib", "conda-named", "conda-named/lib", "conda-named/lib/conda-meta-not"];
      expect(watched(searched)).toEqual(searched);
      expect(watched(["venv", "venv/lib", "conda", "conda/conda-meta", "conda-file", "linked-cfg", "cfg-folder", "src/deep/.venv"])).toEqual([]);
    } finally {
      watch.close();
    }
  });
});
