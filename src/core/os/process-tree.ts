/**
 * The resources a process and all its descendants use right now: how many there are, their
 * resident memory summed, and the CPU time they have used. Linux reads /proc directly (no
 * process is started); elsewhere `ps` is asked.
 */
import { readdirSync, readFileSync } from "node:fs";
import { type Platform, platform } from "./platform";

export interface TreeUsage {
  processes: number;
  rss_bytes: number;
  /**
   * CPU seconds used by the live processes of the tree and the children they have waited for;
   * it can drop when a process ends unwaited, so rates are taken over rises only.
   */
  cpu_seconds: number;
}

interface ProcessLine {
  pid: number;
  ppid: number;
  rssBytes: number;
  cpuSeconds: number;
}

/** The tree under `root` (included); null when the root is gone or nothing can be read. */
export async function treeUsage(root: number, on: Platform = platform): Promise<TreeUsage | null> {
  if (on.name === "win32") return null;
  const table = on.procFs ? procTable() : await psTable();
  return table && sumTree(root, table);
}

/** Sums the lines of `root` and every process whose parent chain leads to it. */
export function sumTree(root: number, table: ProcessLine[]): TreeUsage | null {
  const children = new Map<number, ProcessLine[]>();
  let rootLine: ProcessLine | undefined;
  for (const line of table) {
    if (line.pid === root) rootLine = line;
    const siblings = children.get(line.ppid);
    if (siblings) siblings.push(line);
    else children.set(line.ppid, [line]);
  }
  if (!rootLine) return null;
  const usage: TreeUsage = { processes: 0, rss_bytes: 0, cpu_seconds: 0 };
  const seen = new Set<number>();
  const pending = [rootLine];
  for (let line = pending.pop(); line; line = pending.pop()) {
    if (seen.has(line.pid)) continue;
    seen.add(line.pid);
    usage.processes++;
    usage.rss_bytes += line.rssBytes;
    usage.cpu_seconds += line.cpuSeconds;
    pending.push(...(children.get(line.pid) ?? []));
  }
  return usage;
}

/** Page size and clock ticks per second, from the auxiliary vector the kernel gave us (AT_PAGESZ 6, AT_CLKTCK 17). */
let procUnits: { pageBytes: number; ticksPerSecond: number } | undefined;

function readProcUnits(): { pageBytes: number; ticksPerSecond: number } {
  if (procUnits) return procUnits;
  procUnits = { pageBytes: 4096, ticksPerSecond: 100 };
  try {
    const auxv = readFileSync("/proc/self/auxv");
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      const type = Number(auxv.readBigUInt64LE(at));
      const value = Number(auxv.readBigUInt64LE(at + 8));
      if (type === 6 && value > 0) procUnits.pageBytes = value;
      if (type === 17 && value > 0) procUnits.ticksPerSecond = value;
    }
  } catch {
    // the usual values stand
  }
  return procUnits;
}

/** Every live process's line of /proc/<pid>/stat: state (field 3), ppid (field 4), utime, stime, cutime, cstime (14-17), rss pages (24). */
function procTable(): ProcessLine[] | null {
  const { pageBytes, ticksPerSecond } = readProcUnits();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const table: ProcessLine[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    } catch {
      continue; // ended meanwhile
    }
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // A zombie has ended: it holds no memory, and a tree whose root is one is no longer sampled.
    if (fields[0] === "Z") continue;
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    table.push({ pid, ppid: Number(fields[1]), rssBytes: Number(fields[21]) * pageBytes, cpuSeconds: ticks / ticksPerSecond });
  }
  return table;
}

/** `ps -A -o pid=,ppid=,rss=,time=`: rss in KiB, time as [[dd-]hh:]mm:ss[.cc]. */
async function psTable(): Promise<ProcessLine[] | null> {
  try {
    const child = Bun.spawn(["ps", "-A", "-o", "pid=,ppid=,rss=,time="], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    if (code !== 0) return null;
    return text.split("\n").flatMap((line) => {
      const [pid, ppid, rss, time] = line.trim().split(/\s+/);
      if (!pid || !ppid || !rss || !time) return [];
      return [{ pid: Number(pid), ppid: Number(ppid), rssBytes: Number(rss) * 1024, cpuSeconds: psSeconds(time) }];
    });
  } catch {
    return null;
  }
}

function psSeconds(time: string): number {
  const [days, clock] = time.includes("-") ? time.split("-") : ["0", time];
  const parts = clock!.split(":").map(Number);
  return Number(days) * 86400 + parts.reduce((sum, part) => sum * 60 + part, 0);
}
