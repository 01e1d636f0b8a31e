/**
 * Blob ids remembered between pushes, keyed by what stat says of the file (device, inode, size,
 * modification time in nanoseconds), as git's index remembers them: a push with nothing new
 * stats a run's files instead of reading them. Run files and logs only grow, and growing changes
 * the size. Kept in the repository's git folder, which no clone can write.
 */
import { type BigIntStats, lstatSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { type FileVersion, fileIdentity, hashFile, type ObjectFormat } from "./objects";

export class HashCache {
  private readonly known = new Map<string, string>();
  private readonly used = new Map<string, string>();

  constructor(
    private readonly file: string,
    private readonly format: ObjectFormat,
  ) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return; // no cache yet
    }
    const [header, ...lines] = text.split("\n");
    if (header !== `exprag-hashes 1 ${format}`) return;
    for (const line of lines) {
      const tab = line.indexOf("\t");
      if (tab > 0) this.known.set(line.slice(tab + 1), line.slice(0, tab));
    }
  }

  /** As hashFile, from the cache when the file is as it was when last hashed. */
  version(path: string, wholeLines = false): FileVersion | null {
    const before = stat(path);
    // What is pushed is read never through a link: a run file or log a copied store links to ~/.ssh would be sent.
    if (before === null || !before.isFile()) return hashFile(path, this.format, wholeLines, false);
    const key = `${wholeLines ? "w" : "a"} ${before.dev} ${before.ino} ${before.size} ${before.mtimeNs} ${path}`;
    const hit = this.known.get(key);
    if (hit) {
      const [size = "", id = ""] = hit.split(" ");
      this.used.set(key, hit);
      return { path, size: Number(size), id, file: fileIdentity(before) };
    }
    const version = hashFile(path, this.format, wholeLines, false);
    const after = stat(path);
    if (version && after && sameFile(before, after)) this.used.set(key, `${version.size} ${version.id}`);
    return version;
  }

  /** Writes the entries this push used (and only those: the cache never outgrows the store). */
  save(): void {
    const lines = [...this.used].map(([key, value]) => `${value}\t${key}`);
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `exprag-hashes 1 ${this.format}\n${lines.join("\n")}\n`, { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch {
      // a cache that cannot be written only costs the next push a read of the files
    }
  }
}

/** The file's own stat (a link's, not its target's); null when it is missing (anything but a regular file goes to hashFile, which says why). */
function stat(path: string): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return null;
  }
}

const sameFile = (a: BigIntStats, b: BigIntStats) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
