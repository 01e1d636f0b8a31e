/**
 * The watched search must find exactly what the whole search finds: each case changes a tree the
 * way a run might, then compares findOutputs narrowed by the watch with findOutputs over the tree.
 */
import { afterAll, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FolderRule } from "../../../src/core/context/output-folders";
import { MAX_WATCHED_FOLDERS, mountsUnder, OutputsWatch, watchCap } from "../../../src/core/context/outputs-watch";
import { platform } from "../../../src/core/os/platform";
import { inotifyAddWatch } from "../../../src/core/os/posix";
import { inotifyDescriptors } from "../../inotify-descriptors";
import { tempDir } from "../../temp-dir";
import { both } from "./watched-search";

const scratch = mkdtempSync(join(tmpdir(), "exprag-outputs-watch-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A rule that looks into every folder. */
const everyFolder: FolderRule = { named: () => true, listed: () => true, looksInto: () => true };

const FILES = [
  "a/one.txt",
  "a/b/two.txt",
  "a/b/c/three.txt",
  "data/x.csv",
  "with space/s.txt",
  "-dash/-f.txt",
  "ünï/ü.txt",
  "line\nbreak/n.txt",
  "sub/src/old.py",
];

/** A tree with a store, .git, a virtualenv, node_modules, a nested repository, nested folders and hostile names. */
function tree(): string {
  const root = mkdtempSync(join(scratch, "tree-"));
  for (const dir of [
    ".git/objects",
    ".exprag/runs",
    "venv/lib",
    "node_modules/m",
    "a/b/c",
    "data",
    "with space",
    "-dash",
    "ünï",
    "line\nbreak",
    "sub/.git/refs",
    "sub/src",
  ]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  writeFileSync(join(root, "venv", "pyvenv.cfg"), "version = 3.11\n");
  for (const file of FILES) {
    writeFileSync(join(root, file), "old\n");
  }
  // Older than the run, so only what the run does counts.
  const past = new Date(Date.now() - 3_600_000);
  for (const file of FILES) {
    utimesSync(join(root, file), past, past);
  }
  return root;
}

/** Whether this process may bind-mount (root, where the container allows it), tried on a scratch folder. */
function canBindMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(scratch, "bind-"));
  mkdirSync(join(dir, "from"));
  mkdirSync(join(dir, "to"));
  if (Bun.spawnSync(["mount", "--bind", join(dir, "from"), join(dir, "to")], { stderr: "ignore" }).exitCode !== 0) return false;
  return Bun.spawnSync(["umount", join(dir, "to")]).exitCode === 0;
}

describe.skipIf(!platform.inotify)("outputs found through a watch", () => {
  test.each<[string, (root: string) => void]>([
    ["nothing", () => {}],
    [
      "new files, in place changes and appends, at any depth and under hostile names",
      (root) => {
        writeFileSync(join(root, "new.txt"), "n");
        appendFileSync(join(root, "a/b/c/three.txt"), "more");
        writeFileSync(join(root, "data/x.csv"), "rewritten");
        writeFileSync(join(root, "with space/s p.txt"), "s");
        writeFileSync(join(root, "-dash/--x"), "d");
        writeFileSync(join(root, "ünï/日本.txt"), "u");
        writeFileSync(join(root, "line\nbreak/n.txt"), "nl");
      },
    ],
    [
      "new folders, nested, and a folder moved in with its files",
      (root) => {
        mkdirSync(join(root, "ckpt/epoch1/deep"), { recursive: true });
        writeFileSync(join(root, "ckpt/epoch1/deep/model.pt"), "m");
        mkdirSync(join(scratch, "outside-moved"), { recursive: true });
        writeFileSync(join(scratch, "outside-moved", "inside.txt"), "i");
        renameSync(join(scratch, "outside-moved"), join(root, "a/moved"));
      },
    ],
    [
      "folders made in a folder that had none (watched without being listed)",
      (root) => {
        mkdirSync(join(root, "a/b/c/new/deeper"), { recursive: true });
        writeFileSync(join(root, "a/b/c/new/deeper/leaf.txt"), "l");
        writeFileSync(join(root, "a/b/c/new/top.txt"), "t");
      },
    ],
    [
      "a watched folder renamed, then written in under its new name and a new one in its old place",
      (root) => {
        renameSync(join(root, "a/b"), join(root, "a/renamed"));
        writeFileSync(join(root, "a/renamed/after.txt"), "r");
        mkdirSync(join(root, "a/b"));
        writeFileSync(join(root, "a/b/again.txt"), "g");
      },
    ],
    [
      "times and modes changed, a file renamed, a hard link made, files deleted",
      (root) => {
        utimesSync(join(root, "a/one.txt"), new Date(2000, 1, 1), new Date(2000, 1, 1));
        chmodSync(join(root, "data/x.csv"), 0o600);
        renameSync(join(root, "with space/s.txt"), join(root, "with space/renamed.txt"));
        linkSync(join(root, "-dash/-f.txt"), join(root, "a/linked.txt"));
        rmSync(join(root, "ünï/ü.txt"));
      },
    ],
    [
      "links are not followed: a link to a folder, and a link made",
      (root) => {
        mkdirSync(join(scratch, "target"), { recursive: true });
        symlinkSync(join(scratch, "target"), join(root, "a/link-to-folder"));
        writeFileSync(join(root, "a/link-to-folder/through.txt"), "t");
        symlinkSync(join(root, "a/one.txt"), join(root, "a/link.txt"));
      },
    ],
    [
      "not .git, the store, a virtualenv or node_modules, nor a folder that became a virtualenv",
      (root) => {
        writeFileSync(join(root, ".git/objects/o"), "o");
        writeFileSync(join(root, ".exprag/runs/r.jsonl"), "r");
        writeFileSync(join(root, "venv/lib/site.py"), "v");
        writeFileSync(join(root, "node_modules/m/i.js"), "j");
        writeFileSync(join(root, "data/new.csv"), "c");
        writeFileSync(join(root, "data/pyvenv.cfg"), "version = 3.11\n");
      },
    ],
    [
      "a nested repository (a submodule's folder): its files, not its .git",
      (root) => {
        writeFileSync(join(root, "sub/.git/HEAD"), "ref: refs/heads/other\n");
        writeFileSync(join(root, "sub/src/made.py"), "m");
        appendFileSync(join(root, "sub/src/old.py"), "# changed\n");
      },
    ],
    [
      "a folder that stopped being a virtualenv is searched",
      (root) => {
        writeFileSync(join(root, "venv/lib/site.py"), "v");
        rmSync(join(root, "venv/pyvenv.cfg"));
      },
    ],
    [
      "a folder replaced by a link, and a file where a folder was",
      (root) => {
        writeFileSync(join(root, "a/b/c/three.txt"), "changed first");
        renameSync(join(root, "a/b"), join(scratch, `away-${Date.now()}`));
        symlinkSync(join(root, "data"), join(root, "a/b"));
        rmSync(join(root, "with space"), { recursive: true });
        writeFileSync(join(root, "with space"), "now a file");
      },
    ],
  ])("%s", async (_, change) => {
    const root = tree();
    const { watched, whole } = await both(root, () => change(root));
    expect(watched).toEqual(whole);
  });

  test("with --outputs globs, the same files", async () => {
    const root = tree();
    const { watched, whole } = await both(root, () => {
      mkdirSync(join(root, "ckpt"));
      writeFileSync(join(root, "ckpt/model.pt"), "m");
      writeFileSync(join(root, "a/b/other.pt"), "p");
      writeFileSync(join(root, "a/skip.txt"), "s");
    }, ["*.pt"]);
    expect(whole).toEqual(["a/b/other.pt", "ckpt/model.pt"]);
    expect(watched).toEqual(whole);
  });

  test("a hard link made to a file whose other name the globs match: the same files", async () => {
    const root = tree();
    const { watched, whole } = await both(root, () => linkSync(join(root, "a/one.txt"), join(root, "data/other-name.bin")), ["*.txt"]);
    expect(whole).toEqual(["a/one.txt"]);
    expect(watched).toEqual(whole);
  });

  test("a hard link to an older output made in a new folder, written through there, with globs: the same files", async () => {
    const root = tree();
    mkdirSync(join(root, "ckpt"));
    writeFileSync(join(root, "ckpt/m.pt"), "m");
    const { watched, whole } = await both(root, () => {
      mkdirSync(join(root, "tmp"));
      linkSync(join(root, "ckpt/m.pt"), join(root, "tmp/x.bin"));
      appendFileSync(join(root, "tmp/x.bin"), "b\n");
    }, ["*.pt"]);
    expect(whole).toEqual(["ckpt/m.pt"]);
    expect(watched).toEqual(whole);
  });

  test.skipIf(!canBindMount())("a folder also reached by a second path (a bind mount) is found under both", async () => {
    const root = tree();
    mkdirSync(join(root, "alias"));
    expect(Bun.spawnSync(["mount", "--bind", join(root, "data"), join(root, "alias")]).exitCode).toBe(0);
    try {
      const { watched, whole } = await both(root, () => writeFileSync(join(root, "data/new.csv"), "n"));
      expect(whole).toEqual(["alias/new.csv", "data/new.csv"]);
      expect(watched).toEqual(whole);
    } finally {
      Bun.spawnSync(["umount", join(root, "alias")]);
    }
  });

  test("the watch names only what changed, so the search looks at little", async () => {
    const root = tree();
    const { changes } = await both(root, () => writeFileSync(join(root, "a/b/new.txt"), "n"));
    expect([...changes!.files]).toEqual(["a/b/new.txt"]);
    // Folders not watched are looked at again at the end: a virtualenv may have stopped being one.
    expect([...changes!.folders].sort()).toEqual([".exprag", ".git", "node_modules", "sub/.git", "venv"]);
  });

  test("a tree of more folders than it watches is searched whole", () => {
    const root = mkdtempSync(join(scratch, "wide-"));
    for (let i = 0; i < 3; i++) mkdirSync(join(root, `f${i}`));
    expect(OutputsWatch.start(root, everyFolder, 3)).toBeNull();
    const watch = OutputsWatch.start(root, everyFolder, 4);
    expect(watch).not.toBeNull();
    watch!.close();
    expect(MAX_WATCHED_FOLDERS).toBe(10_000);
  });

  test("the command never inherits the watch", () => {
    const watch = OutputsWatch.start(tree(), everyFolder);
    const listed = Bun.spawnSync(["sh", "-c", "ls -l /proc/$$/fd"], { stdout: "pipe" }).stdout.toString();
    watch!.close();
    expect(listed).toContain("->");
    expect(listed).not.toContain("inotify");
  });

  const queue = Number(readFileSync("/proc/sys/fs/inotify/max_queued_events", "utf8"));
  test.skipIf(!(queue <= 100_000))(
    "events lost to an overflowing queue give no answer: the whole tree is searched",
    async () => {
      const root = tree();
      const { changes } = await both(root, () => {
        // Alternating writes are not merged into one event: more than the queue holds.
        for (let i = 0; i < queue + 1000; i++) appendFileSync(join(root, i % 2 ? "a/one.txt" : "data/x.csv"), "x");
      });
      expect(changes).toBeNull();
    },
    30_000,
  );
});

describe.skipIf(!platform.inotify)("the watch never holds more of the user's watches than it may", () => {
  test("a watch refused below the root gives every watch back: no answer, the descriptor closed", () => {
    const root = tree();
    const before = inotifyDescriptors();
    let taken = 0;
    const refusingAfterThree: typeof inotifyAddWatch = (fd, path, mask) => (++taken > 3 ? null : inotifyAddWatch(fd, path, mask));
    expect(OutputsWatch.start(root, everyFolder, MAX_WATCHED_FOLDERS, refusingAfterThree)).toBeNull();
    expect(taken).toBe(4); // the walk stopped at the refusal
    expect(inotifyDescriptors()).toBe(before);
  });

  test("at most a quarter of the user's limit, and never more than MAX_WATCHED_FOLDERS", () => {
    const limit = join(scratch, "max_user_watches");
    writeFileSync(limit, "8192\n");
    expect(watchCap(limit)).toBe(2048);
    writeFileSync(limit, "1048576\n");
    expect(watchCap(limit)).toBe(MAX_WATCHED_FOLDERS);
    expect(watchCap(join(scratch, "no-such-file"))).toBe(MAX_WATCHED_FOLDERS);
    writeFileSync(limit, "garbage\n");
    expect(watchCap(limit)).toBe(MAX_WATCHED_FOLDERS);
  });

  test("a tree of more folders than it watches gives every watch back", () => {
    const root = mkdtempSync(join(scratch, "wide-"));
    for (let i = 0; i < 5; i++) mkdirSync(join(root, `f${i}`));
    const before = inotifyDescriptors();
    expect(OutputsWatch.start(root, everyFolder, 3)).toBeNull();
    expect(inotifyDescriptors()).toBe(before);
  });
});

describe.skipIf(!platform.inotify)("the queue is read while the command runs", () => {
  /** 20,000 appends to one file (two events each, more than the default queue of 16,384), `between` run after every 2,000. */
  async function appendMany(root: string, between: () => Promise<void> | void) {
    for (let batch = 0; batch < 10; batch++) {
      for (let i = 0; i < 2_000; i++) appendFileSync(join(root, "a/one.txt"), "x");
      await between();
    }
  }

  test("many appends to one file, read between batches: the narrowed answer", async () => {
    const root = tree();
    const watch = OutputsWatch.start(root, everyFolder)!;
    await appendMany(root, () => watch.drain());
    const changes = watch.changes();
    expect(changes).not.toBeNull();
    expect([...changes!.files]).toEqual(["a/one.txt"]);
  }, 60_000);

  test("many appends to one file, read by the watch's own timer: the narrowed answer", async () => {
    const root = tree();
    const watch = OutputsWatch.start(root, everyFolder)!;
    let drains = 0;
    const drain = watch.drain.bind(watch);
    watch.drain = () => {
      drains++;
      drain();
    };
    await appendMany(root, async () => {
      const after = drains;
      while (drains === after) await Bun.sleep(10); // until the timer has read the queue
    });
    const changes = watch.changes();
    expect(changes).not.toBeNull();
    expect([...changes!.files]).toEqual(["a/one.txt"]);
  }, 60_000);
});

describe("the mounts a watch relies on", () => {
  const m = (id: number, parent: number, point: string, type: string) => ({ id, parent, point, type });
  const local = (id: number, parent: number, point: string) => m(id, parent, point, "ext4");
  test("are listed for a work tree whose mounts are all local; none where one is not, a work tree at / included", () => {
    const dir = realpathSync(tempDir("exprag-mounts-"));
    expect(mountsUnder(dir, [local(1, 0, "/"), m(2, 1, join(dir, "data"), "xfs")])).toEqual({ list: `/ ext4\n${join(dir, "data")} xfs`, counted: true });
    expect(mountsUnder(dir, [local(1, 0, "/"), m(2, 1, join(dir, "data"), "nfs4")])).toBeNull();
    expect(mountsUnder(dir, [local(1, 0, "/"), m(2, 1, `${dir}-beside`, "nfs4")])).toEqual({ list: "/ ext4", counted: true });
    expect(mountsUnder("/", [local(1, 0, "/"), m(2, 1, "/proc", "proc")])).toBeNull();
    expect(mountsUnder(dir, null)).toBeNull();
  });
});
