import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSymlink } from "../../../src/core/os/files";
import { ensureStore } from "../../../src/core/store";
import { tempDir } from "../../temp-dir";

describe("ensureStore", () => {
  test("a new store gets its runs folder and a .gitignore of *", () => {
    const store = join(tempDir(), ".exprag");
    ensureStore(store, false);
    expect(existsSync(join(store, "runs"))).toBe(true);
    expect(readFileSync(join(store, ".gitignore"), "utf8")).toBe("*\n");
    // Written whole under another name, then given its own: nothing else is left.
    expect(readdirSync(store).sort()).toEqual([".gitignore", "runs"]);
  });

  test("a store's own .gitignore is kept as it is", () => {
    const store = join(tempDir(), ".exprag");
    mkdirSync(join(store, "runs"), { recursive: true });
    writeFileSync(join(store, ".gitignore"), "*\n# kept\n");
    ensureStore(store, false);
    expect(readFileSync(join(store, ".gitignore"), "utf8")).toBe("*\n# kept\n");
  });

  test("a store without its .gitignore (an older exprag's) gets one", () => {
    const store = join(tempDir(), ".exprag");
    mkdirSync(join(store, "runs"), { recursive: true });
    ensureStore(store, false);
    expect(readFileSync(join(store, ".gitignore"), "utf8")).toBe("*\n");
  });

  test("a .gitignore that is a dangling link is left alone, nothing written through it", () => {
    const dir = tempDir();
    const store = join(dir, ".exprag");
    mkdirSync(join(store, "runs"), { recursive: true });
    symlinkSync(join(dir, "elsewhere"), join(store, ".gitignore"));
    ensureStore(store, false);
    expect(readlinkSync(join(store, ".gitignore"))).toBe(join(dir, "elsewhere"));
    expect(existsSync(join(dir, "elsewhere"))).toBe(false);
    expect(readdirSync(store).sort()).toEqual([".gitignore", "runs"]);
  });

  test("a found store that is a link, or whose runs folder is one, is refused", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real", "runs"), { recursive: true });
    symlinkSync(join(dir, "real"), join(dir, ".exprag"));
    expect(() => ensureStore(join(dir, ".exprag"), false)).toThrow(/symbolic link/);
    const other = join(dir, "other");
    mkdirSync(other);
    symlinkSync(join(dir, "real", "runs"), join(other, "runs"));
    expect(() => ensureStore(other, false)).toThrow(/symbolic link/);
  });
});

describe("isSymlink", () => {
  test("tells a link, dangling or not, from a file, a folder and nothing at all", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "x");
    symlinkSync(join(dir, "file"), join(dir, "link"));
    symlinkSync(join(dir, "gone"), join(dir, "dangling"));
    expect(isSymlink(join(dir, "link"))).toBe(true);
    expect(isSymlink(join(dir, "dangling"))).toBe(true);
    expect(isSymlink(join(dir, "file"))).toBe(false);
    expect(isSymlink(dir)).toBe(false);
    expect(isSymlink(join(dir, "nothing"))).toBe(false);
    expect(isSymlink(join(dir, "file", "below"))).toBe(false);
  });
});
