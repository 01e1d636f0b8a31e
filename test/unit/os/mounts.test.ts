import { describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kernelFoldersLater, kernelFoldersUnder, type Mount, mountHolder, mountHolding, mountTable } from "../../../src/core/os/mounts";
import { isAtOrUnder } from "../../../src/core/os/paths";
import { tempDir } from "../../temp-dir";

/** A mount: id, the id of the mount it is on, point, type. */
const m = (id: number, parent: number, point: string, type: string): Mount => ({ id, parent, point, type });

describe("the mount table", () => {
  test("is read from mountinfo: each mount's id, parent, point (unescaped) and type; lines without a separator are passed over", () => {
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
    expect(mountTable(file)).toEqual([m(22, 1, "/", "ext4"), m(25, 22, "/proc", "proc"), m(31, 22, "/home/a b\\c", "nfs4")]);
    expect(mountTable(join(file, "absent"))).toBeNull();
  });

  test("names the mount holding a path by the tree of mounts, whatever the table's order", () => {
    // As a system booted through an initramfs lists them: /proc, /sys and /dev were moved onto the
    // root mounted after them.
    const booted = [
      m(21, 26, "/proc", "proc"),
      m(22, 26, "/sys", "sysfs"),
      m(23, 26, "/dev", "devtmpfs"),
      m(26, 1, "/", "ext4"),
      m(30, 23, "/dev/shm", "tmpfs"),
    ];
    expect(mountHolding(booted, "/proc/self")).toEqual(m(21, 26, "/proc", "proc"));
    expect(mountHolding(booted, "/dev/shm/x")).toEqual(m(30, 23, "/dev/shm", "tmpfs"));
    expect(mountHolding(booted, "/dev/null")).toEqual(m(23, 26, "/dev", "devtmpfs"));
    expect(mountHolding(booted, "/home")).toEqual(m(26, 1, "/", "ext4"));
    // Stacked at one point: the one on top holds it.
    const stacked = [m(1, 0, "/", "ext4"), m(2, 1, "/data", "xfs"), m(3, 2, "/data", "tmpfs"), m(4, 1, "/database", "nfs")];
    expect(mountHolding(stacked, "/data/x")).toEqual(m(3, 2, "/data", "tmpfs"));
    expect(mountHolding(stacked, "/database/x")).toEqual(m(4, 1, "/database", "nfs"));
    expect(mountHolding(stacked, "/dat")).toEqual(m(1, 0, "/", "ext4"));
    // A mount over a folder on the way hides one mounted under it before; one moved there later
    // (an older id) too; one slid beneath another holds nothing the other covers.
    const over = [m(1, 0, "/", "ext4"), m(2, 1, "/a/p", "proc"), m(3, 1, "/a", "tmpfs"), m(4, 3, "/a/q", "proc")];
    expect(mountHolding(over, "/a/p/x")).toEqual(m(3, 1, "/a", "tmpfs"));
    expect(mountHolding(over, "/a/q/x")).toEqual(m(4, 3, "/a/q", "proc"));
    const moved = [m(1, 0, "/", "ext4"), m(5, 1, "/dst", "tmpfs"), m(9, 1, "/dst/p", "proc")];
    expect(mountHolding(moved, "/dst/p/out.txt")).toEqual(m(5, 1, "/dst", "tmpfs"));
    const beneath = [m(1, 0, "/", "ext4"), m(15, 20, "/c/b", "tmpfs"), m(20, 1, "/c/b", "proc")];
    expect(mountHolding(beneath, "/c/b/x")).toEqual(m(15, 20, "/c/b", "tmpfs"));
    // One stacked on the root at / after this process began holds nothing of its paths.
    const onRoot = [m(66, 1, "/", "tmpfs"), m(67, 66, "/usr", "ext4"), m(68, 66, "/", "proc")];
    expect([mountHolding(onRoot, "/x/f"), mountHolding(onRoot, "/"), mountHolding(onRoot, "/usr/bin")]).toEqual([onRoot[0]!, onRoot[0]!, onRoot[1]!]);
    expect(kernelFoldersUnder("/", onRoot)).toEqual([]);
    expect(mountHolding([], "/x")).toBeNull();
    expect([isAtOrUnder("/a", "/"), isAtOrUnder("/", "/"), isAtOrUnder("/ab", "/a"), isAtOrUnder("/a/b", "/a")]).toEqual([true, true, false, true]);
    expect([isAtOrUnder("a", ""), isAtOrUnder("", ""), isAtOrUnder("ab", "a"), isAtOrUnder("a/b", "a")]).toEqual([true, true, false, true]);
  });

  test("tells where the kernel's file systems are under a folder, as paths under it as given (a link to it too)", () => {
    const dir = realpathSync(tempDir("exprag-mounts-"));
    mkdirSync(join(dir, "root"));
    symlinkSync(join(dir, "root"), join(dir, "link"));
    const mounts = [
      m(1, 0, "/", "ext4"),
      m(2, 1, join(dir, "root", "p"), "proc"),
      m(3, 1, join(dir, "root", "s", "k"), "sysfs"),
      m(4, 1, join(dir, "root", "data"), "tmpfs"),
      m(5, 1, join(dir, "rootless"), "proc"),
      m(6, 1, join(dir, "root", "x"), "proc"),
      m(7, 6, join(dir, "root", "x"), "ext4"), // mounted over: no longer the kernel's
    ];
    const expected = (root: string) => [join(root, "p"), join(root, "s", "k")];
    expect(kernelFoldersUnder(join(dir, "root"), mounts)).toEqual(expected(join(dir, "root")));
    expect(kernelFoldersUnder(join(dir, "link"), mounts)).toEqual(expected(join(dir, "link")));
    // A folder on one of them holds no outputs at all; no table, or no such folder, tells of none.
    expect(kernelFoldersUnder(join(dir, "root"), [...mounts, m(8, 1, join(dir, "root"), "proc")])).toBeNull();
    expect(kernelFoldersUnder(join(dir, "root"), null)).toEqual([]);
    expect(kernelFoldersUnder(join(dir, "absent"), mounts)).toEqual([]);
    // Whatever the table's order; and the automounter's folders hold real file systems.
    expect(kernelFoldersUnder("/", [m(21, 26, "/proc", "proc"), m(22, 26, "/sys", "sysfs"), m(26, 1, "/", "ext4")])).toEqual(["/proc", "/sys"]);
    expect(kernelFoldersUnder("/", [m(1, 0, "/", "ext4"), m(2, 1, "/home", "autofs"), m(3, 2, "/home/alice", "nfs4")])).toEqual([]);
  });

  test("worked out ahead, is given again later only while the table reads the same and the folder is the same real path", () => {
    const dir = realpathSync(tempDir("exprag-mounts-later-"));
    for (const folder of ["a", "b"]) mkdirSync(join(dir, folder));
    symlinkSync(join(dir, "a"), join(dir, "root"));
    const table = join(dir, "mountinfo");
    const line = (id: number, point: string, type: string) => `${id} 1 0:${id} / ${point.replaceAll(" ", "\\040")} rw - ${type} none rw`;
    const mounted = (...lines: string[]) => writeFileSync(table, `${["1 0 8:1 / / rw - ext4 /dev/sda1 rw", ...lines].join("\n")}\n`);
    mounted(line(2, join(dir, "a", "p"), "proc"), line(3, join(dir, "b", "s"), "sysfs"));
    const later = kernelFoldersLater(join(dir, "root"), table);
    expect(later()).toEqual([join(dir, "root", "p")]);
    // The command mounted another under the folder: the table reads otherwise, and is read again.
    mounted(line(2, join(dir, "a", "p"), "proc"), line(3, join(dir, "b", "s"), "sysfs"), line(4, join(dir, "a", "q r"), "proc"));
    expect(later()).toEqual([join(dir, "root", "p"), join(dir, "root", "q r")]);
    mounted(line(2, join(dir, "a", "p"), "proc"), line(3, join(dir, "b", "s"), "sysfs"), line(4, join(dir, "a"), "proc"));
    expect(later()).toBeNull();
    // The same table, but the folder is now another: worked out again for it.
    mounted(line(2, join(dir, "a", "p"), "proc"), line(3, join(dir, "b", "s"), "sysfs"));
    const again = kernelFoldersLater(join(dir, "root"), table);
    rmSync(join(dir, "root"));
    symlinkSync(join(dir, "b"), join(dir, "root"));
    expect(again()).toEqual([join(dir, "root", "s")]);
    // No table to read, then or later: no kernel folders known.
    expect(kernelFoldersLater(join(dir, "root"), join(dir, "absent"))()).toEqual([]);
  });

  test.skipIf(mountTable() === null)("names, on this machine, the file system the kernel says is at each mount point", () => {
    const before = mountTable()!;
    const holding = mountHolder(before);
    const asked: { point: string; named: string; told: string }[] = [];
    for (const point of new Set(before.map((mount) => mount.point))) {
      // Only where the answer names a local file system (asking at an automounter's point could
      // mount it), and at most 50 of them.
      const named = STATFS_NAMES[holding(point)!.type];
      if (named === undefined || asked.length === 50) continue;
      const told = Bun.spawnSync(["stat", "-f", "-c", "%T", point], { timeout: 10_000 });
      if (told.exitCode === 0) asked.push({ point, named, told: told.stdout.toString().trim() }); // else not reachable from here
    }
    // A mount that came or went meanwhile (a container's, say) is not compared.
    const after = mountHolder(mountTable()!);
    const steady = asked.filter(({ point }) => after(point)?.id === holding(point)?.id);
    expect(steady.length).toBeGreaterThan(0); // at least / or /proc
    for (const { point, named, told } of steady) expect({ point, type: named }).toEqual({ point, type: told });
  });
});

/** How statfs (`stat -f -c %T`) names the file systems the mount table names so. */
const STATFS_NAMES: Record<string, string> = {
  proc: "proc",
  sysfs: "sysfs",
  tmpfs: "tmpfs",
  devtmpfs: "tmpfs",
  cgroup2: "cgroup2fs",
  ext4: "ext2/ext3",
  xfs: "xfs",
  btrfs: "btrfs",
};
