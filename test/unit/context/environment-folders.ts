/**
 * Folders of installed code (a virtualenv's pyvenv.cfg, a conda environment's conda-meta) and
 * folders that only look like them, for the outputs search and its watch: each is told by its own
 * entries. The tree's top holds a pyvenv.cfg too, and is searched all the same.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Makes the folders under `root`, before the run. */
export function makeEnvironments(root: string): void {
  const file = (path: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), "version = 3.11\n");
  };
  const folder = (path: string) => mkdirSync(join(root, path), { recursive: true });
  file("pyvenv.cfg");
  // Environments: not looked into.
  file("venv/pyvenv.cfg");
  folder("venv/lib");
  file("venv/lib/inner/pyvenv.cfg");
  file("leaf-venv/pyvenv.cfg"); // no subfolder: a watch need not list it
  folder("conda/conda-meta");
  folder("conda/lib");
  file("conda-file/conda-meta"); // a file, not conda's folder: still a mark
  folder("conda-file/lib");
  folder("linked-cfg/lib");
  symlinkSync(join(root, "venv/pyvenv.cfg"), join(root, "linked-cfg/pyvenv.cfg"));
  folder("cfg-folder/pyvenv.cfg"); // a folder by the mark's name: still a mark
  file("src/deep/.venv/pyvenv.cfg");
  folder("src/deep/.venv/lib");
  // Not environments: looked into.
  folder("dangling-cfg/lib");
  symlinkSync(join(root, "no-such-file"), join(root, "dangling-cfg/pyvenv.cfg"));
  file("upper-case/PYVENV.CFG");
  folder("upper-case/lib");
  folder("conda-named/lib/conda-meta-not");
}

/** A file written in each folder while the run ran. */
export const WRITTEN = [
  "top.txt",
  "venv/new.txt",
  "venv/lib/site.py",
  "venv/lib/inner/x.py",
  "leaf-venv/new.txt",
  "conda/new.txt",
  "conda/conda-meta/history",
  "conda/lib/x.so",
  "conda-file/new.txt",
  "conda-file/lib/x.py",
  "linked-cfg/new.txt",
  "linked-cfg/lib/x.py",
  "cfg-folder/new.txt",
  "cfg-folder/pyvenv.cfg/inside.txt",
  "src/deep/new.txt",
  "src/deep/.venv/new.txt",
  "src/deep/.venv/lib/x.py",
  "dangling-cfg/new.txt",
  "dangling-cfg/lib/x.py",
  "upper-case/new.txt",
  "upper-case/lib/x.py",
  "conda-named/lib/conda-meta-not/x.py",
];

export function writeInEach(root: string): void {
  for (const path of WRITTEN) writeFileSync(join(root, path), "written\n");
}

/**
 * The files of WRITTEN a search reports, sorted. A file system that ignores case takes
 * PYVENV.CFG for the mark.
 */
export function expectedOutputs(root: string): string[] {
  const caseBlind = existsSync(join(root, "upper-case", "pyvenv.cfg"));
  return [
    "conda-named/lib/conda-meta-not/x.py",
    "dangling-cfg/lib/x.py",
    "dangling-cfg/new.txt",
    "src/deep/new.txt",
    "top.txt",
    ...(caseBlind ? [] : ["upper-case/lib/x.py", "upper-case/new.txt"]),
  ].sort();
}
