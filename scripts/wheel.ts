/**
 * Python wheels that carry the exprag binary, the way ruff and uv ship theirs: the binary is
 * installed as the `exprag` script, beside the pure-Python package `exprag` (python/exprag: the
 * original's `Experiment` and `exprag.agent.skills`) and its `exprag-skill` command. Written here
 * directly (a wheel is a zip with a few metadata files), so building needs no Python tooling.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { deflateRawSync } from "node:zlib";

const PACKAGE_ROOT = join(import.meta.dir, "..", "python");

/** The package's source files, as paths inside the wheel (`exprag/...py`), sorted so builds are reproducible. */
function packageFiles(): { path: string; data: Uint8Array; mode: number }[] {
  const files: { path: string; data: Uint8Array; mode: number }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "__pycache__") walk(full);
      else if (entry.isFile() && entry.name.endsWith(".py"))
        files.push({ path: relative(PACKAGE_ROOT, full).split("\\").join("/"), data: readFileSync(full), mode: 0o644 });
    }
  };
  walk(join(PACKAGE_ROOT, "exprag"));
  return files;
}

export interface WheelSpec {
  version: string;
  /** Platform tags, e.g. ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]. */
  platforms: string[];
  binary: Uint8Array;
  windows: boolean;
  summary: string;
}

export function wheelFileName(spec: WheelSpec): string {
  return `exprag-${spec.version}-py3-none-${spec.platforms.join(".")}.whl`;
}

export function buildWheel(spec: WheelSpec): Uint8Array {
  const distInfo = `exprag-${spec.version}.dist-info`;
  const files: { path: string; data: Uint8Array; mode: number }[] = [
    { path: `exprag-${spec.version}.data/scripts/exprag${spec.windows ? ".exe" : ""}`, data: spec.binary, mode: 0o755 },
    ...packageFiles(),
    {
      path: `${distInfo}/METADATA`,
      data: text(`Metadata-Version: 2.1\nName: exprag\nVersion: ${spec.version}\nSummary: ${spec.summary}\nLicense: MIT\nRequires-Python: >=3.8\n`),
      mode: 0o644,
    },
    {
      path: `${distInfo}/WHEEL`,
      data: text(
        `Wheel-Version: 1.0\nGenerator: exprag scripts/build.ts\nRoot-Is-Purelib: false\n${spec.platforms.map((p) => `Tag: py3-none-${p}\n`).join("")}`,
      ),
      mode: 0o644,
    },
    { path: `${distInfo}/entry_points.txt`, data: text("[console_scripts]\nexprag-skill = exprag.agent.skills:main\n"), mode: 0o644 },
  ];
  const record = files.map((f) => `${f.path},sha256=${createHash("sha256").update(f.data).digest("base64url")},${f.data.length}`);
  files.push({ path: `${distInfo}/RECORD`, data: text(`${[...record, `${distInfo}/RECORD,,`].join("\n")}\n`), mode: 0o644 });
  return zip(files);
}

const text = (s: string) => Buffer.from(s);

/** A zip archive of deflated entries with Unix modes (no zip64: every entry is far below 4 GiB). */
function zip(files: { path: string; data: Uint8Array; mode: number }[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // fixed timestamps keep builds reproducible
  for (const file of files) {
    const name = Buffer.from(file.path);
    const compressed = deflateRawSync(file.data, { level: 6 });
    const crc = Bun.hash.crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE_1980, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x0314, 4); // made by Unix, zip 2.0: the external attributes are a mode
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt16LE(0, 12);
    entry.writeUInt16LE(DOS_DATE_1980, 14);
    entry.writeUInt32LE(crc >>> 0, 16);
    entry.writeUInt32LE(compressed.length, 20);
    entry.writeUInt32LE(file.data.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(((0o100000 | file.mode) << 16) >>> 0, 38);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    parts.push(local, name, compressed);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
