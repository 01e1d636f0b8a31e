import { describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mountsUnder } from "../../../src/core/context/outputs-watch";
import { isAtOrUnder, kernelFoldersUnder, type Mount, mountHolding, mountTable } from "../../../src/core/os/mounts";
import { tempDir } from "../../temp-dir";

describe("the mount table", () => {
  test("is read from mountinfo, each mount's point (unescaped) and type; lines without a separator are passed over", () => {
    const file = join(tempDir("exprag-mounts-"), "mountinfo");
    writeFileSync(
      file,
      [
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "25 22 0:5 / /proc rw,nosuid - proc proc rw",
        "31 22 0:40 / /home/a\\040b\\134c rw shared:9 master:2 - nfs4 srv:/x rw",
        "not a mount line",
        "",
      ].join("\n"),
    );
    expect(mountTable(file)).toEqual([
      { point: "/", type: "ext4" },
      { point: "/proc", type: "proc" },
      { point: "/home/a b\\c", type: "nfs4" },
    ]);
    expect(mountTable(join(file, "absent"))).toBeNull();
  });

  test("names the mount holding a path: the last mounted at it or on its way", () => {
    const mounts: Mount[] = [
      { point: "/", type: "ext4" },
      { point: "/data", type: "xfs" },
      { point: "/data", type: "tmpfs" },
      { point: "/database", type: "nfs" },
    ];
    expect(mountHolding(mounts, "/data/x")).toEqual({ point: "/data", type: "tmpfs" });
    expect(mountHolding(mounts, "/database/x")).toEqual({ point: "/database", type: "nfs" });
    expect(mountHolding(mounts, "/dat")).toEqual({ point: "/", type: "ext4" });
    // A mount over a folder on the way hides what was mounted under it before.
    const hidden: Mount[] = [
      { point: "/", type: "ext4" },
      { point: "/a/p", type: "proc" },
      { point: "/a", type: "tmpfs" },
      { point: "/a/q", type: "proc" },
    ];
    expect(mountHolding(hidden, "/a/p/x")).toEqual({ point: "/a", type: "tmpfs" });
    expect(mountHolding(hidden, "/a/q/x")).toEqual({ point: "/a/q", type: "proc" });
    expect(kernelFoldersUnder("/", hidden)).toEqual(["/a/q"]);
    // The automounter's folders hold real file systems.
    const automounted = [
      { point: "/", type: "ext4" },
      { point: "/home", type: "autofs" },
      { point: "/home/alice", type: "nfs4" },
    ];
    expect(kernelFoldersUnder("/", automounted)).toEqual([]);
    expect(mountHolding([], "/x")).toBeNull();
    expect([isAtOrUnder("/a", "/"), isAtOrUnder("/", "/"), isAtOrUnder("/ab", "/a"), isAtOrUnder("/a/b", "/a")]).toEqual([true, true, false, true]);
  });

  test("tells where the kernel's file systems are under a folder, as paths under it as given (a link to it too)", () => {
    const dir = realpathSync(tempDir("exprag-mounts-"));
    mkdirSync(join(dir, "root"));
    symlinkSync(join(dir, "root"), join(dir, "link"));
    const mounts: Mount[] = [
      { point: "/", type: "ext4" },
      { point: join(dir, "root", "p"), type: "proc" },
      { point: join(dir, "root", "s", "k"), type: "sysfs" },
      { point: join(dir, "root", "data"), type: "tmpfs" },
      { point: join(dir, "rootless"), type: "proc" },
      { point: join(dir, "root", "x"), type: "proc" },
      { point: join(dir, "root", "x"), type: "ext4" }, // mounted over: no longer the kernel's
    ];
    const expected = (root: string) => [join(root, "p"), join(root, "s", "k")];
    expect(kernelFoldersUnder(join(dir, "root"), mounts)).toEqual(expected(join(dir, "root")));
    expect(kernelFoldersUnder(join(dir, "link"), mounts)).toEqual(expected(join(dir, "link")));
    // A folder on one of them holds no outputs at all; no table, or no such folder, tells of none.
    expect(kernelFoldersUnder(join(dir, "root"), [...mounts, { point: join(dir, "root"), type: "proc" }])).toBeNull();
    expect(kernelFoldersUnder(join(dir, "root"), null)).toEqual([]);
    expect(kernelFoldersUnder(join(dir, "absent"), mounts)).toEqual([]);
  });
});

describe("the mounts a watch relies on", () => {
  const local = (point: string) => ({ point, type: "ext4" });
  test("are listed for a work tree whose mounts are all local; none where one is not, a work tree at / included", () => {
    const dir = realpathSync(tempDir("exprag-mounts-"));
    expect(mountsUnder(dir, [local("/"), { point: join(dir, "data"), type: "xfs" }])).toEqual({ list: `/ ext4\n${join(dir, "data")} xfs`, counted: true });
    expect(mountsUnder(dir, [local("/"), { point: join(dir, "data"), type: "nfs4" }])).toBeNull();
    expect(mountsUnder(dir, [local("/"), { point: `${dir}-beside`, type: "nfs4" }])).toEqual({ list: "/ ext4", counted: true });
    expect(mountsUnder("/", [local("/"), { point: "/proc", type: "proc" }])).toBeNull();
    expect(mountsUnder(dir, null)).toBeNull();
  });
});
