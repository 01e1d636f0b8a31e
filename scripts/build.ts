/**
 * Compiles exprag into single executables.
 *
 *   bun scripts/build.ts                  dist/exprag, for this machine
 *   bun scripts/build.ts --all            every target below, SHA256SUMS, and Python wheels
 *   bun scripts/build.ts --target NAME    some targets (repeatable), with SHA256SUMS and their wheels
 *   ... --outdir DIR                      into DIR instead of dist/
 *
 * Every build is minified, with bytecode (about half the start-up), split into chunks that are
 * loaded only when a command imports them (a run loads no MCP, chart or query code), does not
 * autoload .env or bunfig.toml from the directory it runs in (the binary runs inside other
 * people's repositories), starts with the JIT reluctant (src/core/os/jit.ts), and carries the
 * version from package.json and the git commit (--version).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { START_JIT_POLICY } from "../src/core/os/jit";
import { buildWheel, wheelFileName } from "./wheel";

interface Target {
  name: string;
  bun: Bun.Build.CompileTarget;
  /** Python platform tags of the wheel that carries this binary; none for a variant no wheel uses. */
  wheel?: string[];
}

export const TARGETS: Target[] = [
  { name: "linux-x64", bun: "bun-linux-x64" },
  // The x86_64 wheel carries the baseline build: pip cannot tell whether the CPU has AVX2.
  // Bun 1.4.4 and 1.4.5 publish one x64 runtime under both names (built for CPUs without AVX2),
  // so the two files differ only in their embedded name; test/release checks the baseline runs
  // on an emulated CPU without AVX2.
  { name: "linux-x64-baseline", bun: "bun-linux-x64-baseline", wheel: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"] },
  { name: "linux-arm64", bun: "bun-linux-arm64", wheel: ["manylinux_2_17_aarch64", "manylinux2014_aarch64"] },
  { name: "linux-x64-musl", bun: "bun-linux-x64-musl", wheel: ["musllinux_1_2_x86_64"] },
  { name: "linux-arm64-musl", bun: "bun-linux-arm64-musl", wheel: ["musllinux_1_2_aarch64"] },
  { name: "darwin-x64", bun: "bun-darwin-x64", wheel: ["macosx_13_0_x86_64"] },
  { name: "darwin-arm64", bun: "bun-darwin-arm64", wheel: ["macosx_13_0_arm64"] },
  { name: "windows-x64", bun: "bun-windows-x64", wheel: ["win_amd64"] },
];

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");

function gitCommit(): string {
  const result = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: root, stdout: "pipe", stderr: "ignore" });
  return result.exitCode === 0 ? result.stdout.toString().trim() : "";
}

/**
 * The MCP SDK's server imports its default JSON Schema validator (ajv) whether it is used or not;
 * exprag mcp gives the server its own (see src/mcp/server.ts), so the binary carries a stub in
 * its place and exprag mcp starts without loading ajv.
 */
const withoutAjv: Bun.BunPlugin = {
  name: "exprag-without-ajv",
  setup(build) {
    build.onResolve({ filter: /[\\/]validation[\\/]ajv-provider\.js$/ }, () => ({ path: join(root, "src", "mcp", "no-ajv.ts") }));
  },
};

/** What `Bun.build` is given to compile exprag into `outfile`. */
export function compileConfig(outfile: string, target?: Bun.Build.CompileTarget) {
  return {
    entrypoints: [join(root, "src", "main.ts")],
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false, jitPolicy: START_JIT_POLICY, ...(target && { target }) },
    minify: true,
    bytecode: true,
    // Internal errors keep a readable stack: with --compile the source map is embedded in the binary.
    sourcemap: "linked",
    target: "bun",
    format: "esm",
    splitting: true,
    define: { EXPRAG_BUILD_COMMIT: JSON.stringify(gitCommit()) },
    plugins: [withoutAjv],
  } satisfies Bun.BuildConfig;
}

async function compile(outfile: string, target?: Bun.Build.CompileTarget): Promise<void> {
  const result = await Bun.build(compileConfig(outfile, target));
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    throw new Error(`building ${outfile} failed`);
  }
  // The binary carries its own copies; the maps written beside it (one per chunk) are not release files.
  const maps = result.outputs.map((output) => output.sourcemap?.path ?? output.path).filter((path) => path.endsWith(".map"));
  for (const map of [...maps, `${outfile}.map`, `${outfile.replace(/\.exe$/, "")}.map`]) rmSync(map, { force: true });
  console.error(`built ${outfile}`);
}

export const binaryName = (target: Target) => `exprag-${target.name}${target.name.startsWith("windows") ? ".exe" : ""}`;

async function buildTargets(targets: Target[], outdir: string): Promise<void> {
  const sums: string[] = [];
  for (const target of targets) {
    const file = join(outdir, binaryName(target));
    await compile(file, target.bun);
    const binary = readFileSync(file);
    sums.push(`${createHash("sha256").update(binary).digest("hex")}  ${binaryName(target)}`);
    if (target.wheel) {
      const spec = { version: pkg.version, platforms: target.wheel, binary, windows: target.name.startsWith("windows"), summary: pkg.description };
      writeFileSync(join(outdir, wheelFileName(spec)), buildWheel(spec));
      console.error(`built ${join(outdir, wheelFileName(spec))}`);
    }
  }
  writeFileSync(join(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.error(`wrote ${join(outdir, "SHA256SUMS")}`);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const valuesOf = (flag: string) => args.flatMap((arg, i) => (args[i - 1] === flag ? [arg] : []));
  const named = valuesOf("--target");
  const outdir = resolve(valuesOf("--outdir").at(-1) ?? dist);
  mkdirSync(outdir, { recursive: true });
  if (args.includes("--all")) await buildTargets(TARGETS, outdir);
  else if (named.length) {
    const unknown = named.filter((name) => !TARGETS.some((t) => t.name === name));
    if (unknown.length) throw new Error(`unknown target ${unknown.join(", ")}; targets: ${TARGETS.map((t) => t.name).join(", ")}`);
    await buildTargets(
      TARGETS.filter((t) => named.includes(t.name)),
      outdir,
    );
  } else await compile(join(outdir, process.platform === "win32" ? "exprag.exe" : "exprag"));
}
