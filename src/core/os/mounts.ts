/** The mount table (Linux's /proc/self/mountinfo): where each file system is mounted, and its type. */
import { readFileSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { isAtOrUnder } from "./paths";

export interface Mount {
  /** The mount's id, and the id of the mount it is mounted on (its parent in the tree of mounts). */
  id: number;
  parent: number;
  /** The mount point, a real path. */
  point: string;
  /** As statfs(2) names it: ext4, tmpfs, proc, nfs4, fuse.sshfs... */
  type: string;
}

/**
 * File systems that are the kernel's views of processes, devices and settings: never a run's
 * outputs, and costly to list (a /proc file's time is always now). Not autofs: the automounter's
 * folders (/home, /net) hold real file systems.
 */
export const KERNEL_FILE_SYSTEMS = new Set([
  "proc",
  "sysfs",
  "devtmpfs",
  "devpts",
  "cgroup",
  "cgroup2",
  "debugfs",
  "tracefs",
  "securityfs",
  "pstore",
  "bpf",
  "configfs",
  "fusectl",
  "mqueue",
  "hugetlbfs",
  "binfmt_misc",
  "efivarfs",
  "selinuxfs",
  "rpc_pipefs",
  "nsfs",
]);

const MOUNTINFO = "/proc/self/mountinfo";

/** Every mount, as the table lists them; null where there is no table to read. */
export function mountTable(file = MOUNTINFO): Mount[] | null {
  const text = mountTableText(file);
  return text === null ? null : parseMountTable(text);
}

function mountTableText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function parseMountTable(table: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of table.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    if (separator < 0 || fields.length < 5) continue;
    mounts.push({ id: Number(fields[0]), parent: Number(fields[1]), point: unescapeMountPoint(fields[4]!), type: fields[separator + 1] ?? "" });
  }
  return mounts;
}

/**
 * The mount that holds `path` (a real path), found down the tree of mounts from its root: at each
 * mount, of the mounts on it at or above the path, the one nearest the root hides the others (one
 * stacked at the same point nearest of all). Not the table's order: a mount moved, or slid beneath
 * another, keeps its place in the table; nor the longest mount point: a mount over a folder hides
 * those mounted under it before. One stacked on the root at `/` holds nothing: this process's
 * paths start at its root, under it.
 */
export function mountHolding(mounts: Mount[], path: string): Mount | null {
  return mountHolder(mounts)(path);
}

/** `mountHolding` for many paths of one table: the tree is indexed once. */
export function mountHolder(mounts: Mount[]): (path: string) => Mount | null {
  const ids = new Set(mounts.map((mount) => mount.id));
  const byPoint = (a: Mount, b: Mount) => a.point.length - b.point.length;
  const roots = mounts.filter((mount) => !ids.has(mount.parent) || mount.parent === mount.id).sort(byPoint);
  const on = new Map<number, Mount[]>();
  for (const mount of mounts) {
    if (mount.parent === mount.id) continue;
    const children = on.get(mount.parent);
    if (children) children.push(mount);
    else on.set(mount.parent, [mount]);
  }
  for (const children of on.values()) children.sort(byPoint);
  return (path) => {
    const nearest = (candidates: Mount[], except?: string) => candidates.find((mount) => mount.point !== except && isAtOrUnder(path, mount.point));
    const root = nearest(roots);
    let holder = root;
    for (let steps = 0; holder && steps < mounts.length; steps++) {
      const next = nearest(on.get(holder.id) ?? [], holder === root && root.point === "/" ? "/" : undefined);
      if (!next) break;
      holder = next;
    }
    return holder ?? null;
  };
}

/**
 * Where the kernel's own file systems (proc, sysfs, devtmpfs...) are mounted under `root`, as paths
 * under `root` as given; null where `root` itself is on one. None where `mounts` is null (no table).
 */
export function kernelFoldersUnder(root: string, mounts: Mount[] | null): string[] | null {
  const top = mounts === null ? null : realPathOrNull(root);
  if (mounts === null || top === null) return [];
  const holding = mountHolder(mounts);
  if (KERNEL_FILE_SYSTEMS.has(holding(top)?.type ?? "")) return null;
  const points = new Set(mounts.map((mount) => mount.point).filter((point) => point !== top && isAtOrUnder(point, top)));
  return [...points].filter((point) => KERNEL_FILE_SYSTEMS.has(holding(point)?.type ?? "")).map((point) => join(root, relative(top, point)));
}

/**
 * `kernelFoldersUnder(root, mountTable(file))` for a question asked later, worked out now: a run's
 * outputs are looked for once its command has exited, and this part of the search is done while
 * it runs. The answer later is the one worked out now where the table reads the same then and
 * `root` is the same real path; otherwise it is worked out again.
 */
export function kernelFoldersLater(root: string, file = MOUNTINFO): () => string[] | null {
  const state = () => ({ text: mountTableText(file), top: realPathOrNull(root) });
  const foldersOf = (text: string | null) => kernelFoldersUnder(root, text === null ? null : parseMountTable(text));
  const early = state();
  const folders = foldersOf(early.text);
  return () => {
    const now = state();
    return now.text === early.text && now.top === early.top ? folders : foldersOf(now.text);
  };
}

function realPathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** mountinfo writes a space, tab, newline and backslash in a path as an octal escape. */
function unescapeMountPoint(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
