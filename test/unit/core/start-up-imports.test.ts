/**
 * What a command loads before it does anything is most of its start-up time (each chunk of the
 * binary is read and linked when imported). The build splits exprag into chunks; these tests
 * bundle it the same way and check what a plain `exprag run` and `exprag --version` import
 * statically, so that code only some runs need stays behind a dynamic import.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import pkg from "../../../package.json" with { type: "json" };

const root = join(import.meta.dir, "..", "..", "..");
let outdir: string;
let metafile: Bun.BuildMetafile;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "exprag-chunks-"));
  const built = await Bun.build({
    entrypoints: [join(root, "src", "main.ts")],
    outdir,
    target: "bun",
    format: "esm",
    splitting: true,
    define: { EXPRAG_BUILD_COMMIT: '""' },
    metafile: true,
  });
  if (!built.success || !built.metafile) throw new Error(`bundling failed: ${built.logs.join("\n")}`);
  metafile = built.metafile;
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The output chunk holding `source` (a path under the repository, or a package's folder). */
function chunkOf(source: string): string {
  const found = Object.entries(metafile.outputs).find(([, output]) => Object.keys(output.inputs).some((input) => input.endsWith(source)));
  if (!found) throw new Error(`no chunk holds ${source}`);
  return found[0];
}

/** Every source the chunks reached from `chunks` by static imports hold. */
function staticallyLoaded(...chunks: string[]): string[] {
  const seen = new Set<string>();
  const visit = (chunk: string) => {
    const output = metafile.outputs[chunk];
    if (!output || seen.has(chunk)) return;
    seen.add(chunk);
    for (const imported of output.imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  for (const chunk of chunks) visit(chunk);
  return [...seen].flatMap((chunk) => Object.keys(metafile.outputs[chunk]!.inputs));
}

const loads = (sources: string[], source: string) => sources.some((input) => input.endsWith(source));

describe("start-up imports", () => {
  test("a run loads its own code, but not what watches stop rules, the query code, Slurm's questions or the help renderer", () => {
    const run = staticallyLoaded(chunkOf("src/cli.ts"), chunkOf("src/commands/run.ts"));
    expect(loads(run, "src/core/run/runner.ts")).toBe(true);
    expect(loads(run, "src/core/run/stop-policy.ts")).toBe(true);
    for (const lazy of [
      "src/core/run/stopping.ts",
      "src/core/rules/stop-rules.ts",
      "src/core/query/selection.ts",
      "src/core/query/run-view.ts",
      "src/core/slurm/job-state.ts",
      "src/render/help.ts",
      "src/core/run/python-hook-dir.ts",
      "python/hook/sitecustomize.py",
      "citty/dist/index.mjs",
    ]) {
      expect({ lazy, loaded: loads(run, lazy) }).toEqual({ lazy, loaded: false });
    }
  });

  test("what reads the command's output is loaded once the command has started, not before", () => {
    const run = staticallyLoaded(chunkOf("src/cli.ts"), chunkOf("src/commands/run.ts"));
    const started = staticallyLoaded(chunkOf("src/core/run/started.ts"));
    for (const later of [
      "src/core/run/ingest.ts",
      "src/core/run/streams.ts",
      "src/core/run/output.ts",
      "src/core/run/magic-lines.ts",
      "src/core/run/protocol.ts",
    ]) {
      expect({ later, before: loads(run, later), after: loads(started, later) }).toEqual({ later, before: false, after: true });
    }
  });

  test("what a run leaves out is still in the build, for the runs that need it", () => {
    for (const lazy of ["src/core/run/stopping.ts", "src/core/slurm/job-state.ts", "src/render/help.ts", "python/hook/sitecustomize.py"])
      expect(chunkOf(lazy)).toBeString();
  });

  test("the entry carries the version, not the rest of package.json", () => {
    const entry = readFileSync(join(outdir, basename(chunkOf("src/version.ts"))), "utf8");
    expect(entry).toContain(JSON.stringify(pkg.version));
    expect(entry).not.toContain(pkg.description);
    expect(entry).not.toContain("@modelcontextprotocol/sdk");
  });

  test("the binary's entry is a few lines that load nothing before a run's git status starts", () => {
    const entry = chunkOf("src/main.ts");
    expect(Object.keys(metafile.outputs[entry]!.inputs).map((input) => basename(input))).toEqual(["main.ts"]);
    expect(staticallyLoaded(entry).map((input) => basename(input))).toEqual(["main.ts"]);
    expect(metafile.outputs[entry]!.bytes).toBeLessThan(1000);
  });

  test("exprag --version loads neither a command nor the help renderer", () => {
    const entry = staticallyLoaded(chunkOf("src/cli.ts"));
    expect(loads(entry, "src/commands/run.ts")).toBe(false);
    expect(loads(entry, "src/render/help.ts")).toBe(false);
    expect(loads(entry, "citty/dist/index.mjs")).toBe(false);
  });
});
