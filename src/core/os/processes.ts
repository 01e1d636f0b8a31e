/** Who a process is, well enough to tell later whether it still lives. */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { isErrno } from "../errors";
import { type Platform, platform } from "./platform";

/** Enough to tell later whether the exprag process that wrote a run is still alive. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Linux: the boot and the process start time in clock ticks since boot; null elsewhere. */
  boot_id: string | null;
  start_ticks: number | null;
}

/** Who process `pid` is; boot id and start time come from /proc, so they are null off Linux. */
export function processIdentity(pid = process.pid, on: Platform = platform): ProcessIdentity {
  return { host: os.hostname(), pid, boot_id: readBootId(on), start_ticks: readStartTicks(pid, on) };
}

function readBootId(on: Platform): string | null {
  if (!on.procFs) return null;
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
export function readStartTicks(pid: number, on: Platform = platform): number | null {
  if (!on.procFs) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/**
 * Whether the process still lives: "alive" (same host and boot, same pid and start time), "dead"
 * (gone, or this host has rebooted since), or "unknown" (another host: nothing here can tell).
 */
export function liveness(started: ProcessIdentity, on: Platform = platform): "alive" | "dead" | "unknown" {
  if (started.host !== os.hostname()) return "unknown";
  const boot = readBootId(on);
  if (started.boot_id !== null && boot !== null && started.boot_id !== boot) return "dead";
  try {
    process.kill(started.pid, 0);
  } catch (error) {
    if (!isErrno(error, "EPERM")) return "dead";
  }
  return started.start_ticks === null || readStartTicks(started.pid, on) === started.start_ticks ? "alive" : "dead";
}

/** Whether a process of this host with this pid exists (one of another user's counts). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, "EPERM");
  }
}

/**
 * Whether a process of group `pgid` is alive. With /proc a zombie does not count (where nothing
 * reaps orphans, one stays for good); without, whether the group can be signalled at all.
 */
export function groupAlive(pgid: number, on: Platform = platform): boolean {
  if (on.procFs) {
    for (const name of readdirSync("/proc")) {
      if (name.charCodeAt(0) < 0x30 || name.charCodeAt(0) > 0x39) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "latin1");
        // After the command's name: state, parent, group.
        const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
        if (state !== "Z" && Number(group) === pgid) return true;
      } catch {
        // gone meanwhile
      }
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return isErrno(error, "EPERM");
  }
}
