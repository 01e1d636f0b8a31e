/** The release files the release tests look at: dist/'s when a build made them, else built here. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { binaryName, TARGETS } from "../../scripts/build";
import { tempDir } from "../e2e/harness";

export const ROOT = join(import.meta.dir, "..", "..");
const DIST = join(ROOT, "dist");

/** The file name of a release target's binary, e.g. `exprag-windows-x64.exe`. */
export function targetFile(name: string): string {
  const target = TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`no release target ${name}`);
  return binaryName(target);
}

/** Runs scripts/build.ts with these arguments into a new temporary folder, and returns the folder. */
function buildInto(args: string[]): string {
  const dir = tempDir();
  const build = Bun.spawnSync([process.execPath, join(ROOT, "scripts", "build.ts"), ...args, "--outdir", dir], { stdout: "ignore", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`bun scripts/build.ts ${args.join(" ")} failed:\n${build.stderr}`);
  return dir;
}

/**
 * A folder holding the named targets' binaries and their SHA256SUMS: dist/ when it has them all
 * (the release job runs `npm run build:all` first), else a temporary folder they are built into.
 */
export function releaseFolder(names: string[]): string {
  if (names.every((name) => existsSync(join(DIST, targetFile(name))))) return DIST;
  return buildInto(names.flatMap((name) => ["--target", name]));
}

/** This machine's build: dist/exprag when `npm run build` made it, else one built here. */
export function hostBinary(): string {
  const name = process.platform === "win32" ? "exprag.exe" : "exprag";
  if (existsSync(join(DIST, name))) return join(DIST, name);
  return join(buildInto([]), name);
}
