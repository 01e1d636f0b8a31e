import { afterEach, describe, expect, mock, spyOn, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { placeNewFile, stagedPath } from "../../../src/core/os/files";
import { tempDir } from "../../temp-dir";

/** A file written under its staged name, as writers do before they place it. */
function staged(folder: string, name: string, text: string): { staged: string; path: string } {
  const path = join(folder, name);
  const at = stagedPath(path);
  fs.writeFileSync(at, text, { flag: "wx" });
  return { staged: at, path };
}

describe("placing a staged file", () => {
  afterEach(() => mock.restore());

  test("gives it its name whole, never over a file there, and leaves no staged name", () => {
    const folder = tempDir("exprag-place-");
    const first = staged(folder, "run.jsonl", "mine\n");
    placeNewFile(first.staged, first.path);
    expect(fs.readFileSync(first.path, "utf8")).toBe("mine\n");
    const second = staged(folder, "run.jsonl", "another\n");
    expect(() => placeNewFile(second.staged, second.path)).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(fs.readFileSync(first.path, "utf8")).toBe("mine\n");
    fs.rmSync(second.staged);
    expect(fs.readdirSync(folder)).toEqual(["run.jsonl"]);
  });

  test("a staged file gone before it is placed (gc, a failing disk) fails the placing and leaves nothing at the name, with hard links or without", () => {
    const folder = tempDir("exprag-place-");
    const gone = staged(folder, "run.jsonl", "mine\n");
    fs.rmSync(gone.staged);
    expect(() => placeNewFile(gone.staged, gone.path)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(fs.readdirSync(folder)).toEqual([]);
    spyOn(fs, "linkSync").mockImplementation(() => {
      throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM" });
    });
    expect(() => placeNewFile(gone.staged, gone.path)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  test("where the file system has no hard links: still never over a file there, placed at the last moment included", () => {
    const link = spyOn(fs, "linkSync").mockImplementation(() => {
      throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM" });
    });
    const folder = tempDir("exprag-place-");
    const first = staged(folder, "run.jsonl", "mine\n");
    placeNewFile(first.staged, first.path);
    expect(link).toHaveBeenCalled();
    expect(fs.readFileSync(first.path, "utf8")).toBe("mine\n");
    const second = staged(folder, "run.jsonl", "another\n");
    expect(() => placeNewFile(second.staged, second.path)).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(fs.readFileSync(first.path, "utf8")).toBe("mine\n");
    // Another writer of the same name tries to place its file in the moment before the rename: one of the two gets the name.
    const racing = staged(folder, "queued.jsonl", "mine\n");
    const rename = fs.renameSync;
    let theirs = false;
    spyOn(fs, "renameSync").mockImplementation((from, to) => {
      try {
        fs.writeFileSync(racing.path, "theirs\n", { flag: "wx" });
        theirs = true;
      } catch {}
      rename(from, to);
    });
    placeNewFile(racing.staged, racing.path);
    expect(theirs).toBe(false);
    expect(fs.readFileSync(racing.path, "utf8")).toBe("mine\n");
  });
});
