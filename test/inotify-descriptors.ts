import { readdirSync, readlinkSync } from "node:fs";

/** How many inotify descriptors this process holds open (Linux). */
export function inotifyDescriptors(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes("inotify")) count++;
    } catch {} // the listing's own descriptor, gone
  }
  return count;
}
