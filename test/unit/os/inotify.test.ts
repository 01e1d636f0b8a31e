/** The inotify calls exprag makes through the C library (posix.ts): the path each is given. */
import { expect, test } from "bun:test";
import { closeSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { platform } from "../../../src/core/os/platform";
import { inotifyAddWatch, inotifyInit } from "../../../src/core/os/posix";
import { tempDir } from "../../temp-dir";

const IN_CREATE = 0x100;

test.skipIf(!platform.inotify)("a path past PATH_MAX is refused, and a shorter path after it is watched whole", () => {
  const fd = inotifyInit()!;
  try {
    const deep = join(tempDir("exprag-inotify-"), "x".repeat(200));
    mkdirSync(deep, { recursive: true });
    expect(inotifyAddWatch(fd, `${deep}/${"y/".repeat(3000)}`, IN_CREATE)).toBeNull();
    const wd = inotifyAddWatch(fd, deep, IN_CREATE);
    expect(wd).not.toBeNull();
    expect(inotifyAddWatch(fd, deep, IN_CREATE)).toBe(wd); // the same folder, so the same watch
  } finally {
    closeSync(fd);
  }
});
