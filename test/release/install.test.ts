import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { buildWheel, wheelFileName } from "../../scripts/wheel";
import { cleanEnv, EXPRAG, tempDir } from "../e2e/harness";

const INSTALLER = join(import.meta.dir, "..", "..", "install.sh");
const ASSETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64"];

const binarySum = createHash("sha256").update(readFileSync(EXPRAG)).digest("hex");

/**
 * A release folder whose every asset is this machine's binary (links to one file), so whichever
 * the installer picks runs here. Tampered: the files differ from what SHA256SUMS says.
 */
function release(tamper = false): string {
  const dir = tempDir();
  let source = EXPRAG;
  if (tamper) {
    source = join(dir, "tampered");
    copyFileSync(EXPRAG, source);
    appendFileSync(source, "tampered");
  }
  for (const name of ASSETS) symlinkSync(source, join(dir, `exprag-${name}`));
  writeFileSync(join(dir, "SHA256SUMS"), ASSETS.map((name) => `${binarySum}  exprag-${name}\n`).join(""));
  return dir;
}

/** Fake commands (uname, sysctl, ldd) put first on PATH. */
function fakes(commands: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, script] of Object.entries(commands)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

async function install(base: string, options: { args?: string[]; path?: string; env?: Record<string, string> } = {}) {
  const dir = join(tempDir(), "bin");
  await using proc = Bun.spawn(["sh", INSTALLER, ...(options.args ?? [])], {
    env: cleanEnv({
      EXPRAG_INSTALL_BASE_URL: base,
      EXPRAG_INSTALL_DIR: dir,
      PATH: `${options.path ? `${options.path}:` : ""}${process.env.PATH}`,
      ...options.env,
    }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  const binary = join(dir, "exprag");
  return { code, stderr, binary, installed: existsSync(binary) };
}

describe("install.sh", () => {
  setDefaultTimeout(30_000);

  test("installs from a local folder, checks the version, and hints at PATH", async () => {
    const result = await install(release());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("downloading exprag-linux-");
    expect(result.stderr).toContain("is not on your PATH");
    const version = Bun.spawnSync([result.binary, "--version"]).stdout.toString();
    expect(version.split(" ")[0]!.trim()).toBe(pkg.version);
  });

  test("installs over HTTP from a loopback server", async () => {
    const dir = release();
    using server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const file = join(dir, new URL(request.url).pathname.slice(1));
        return existsSync(file) ? new Response(Bun.file(file)) : new Response("not found", { status: 404 });
      },
    });
    const result = await install(`http://127.0.0.1:${server.port}`);
    expect(result.code).toBe(0);
    expect(result.installed).toBe(true);
  });

  test("refuses a binary whose checksum does not match, and installs nothing", async () => {
    const result = await install(release(true));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("checksum mismatch");
    expect(result.installed).toBe(false);
  });

  test.each([
    ["an unsupported operating system", 'case "$1" in -s) echo SunOS ;; *) echo x86_64 ;; esac', "unsupported operating system: SunOS"],
    ["an unsupported processor", 'case "$1" in -s) echo Linux ;; *) echo riscv64 ;; esac', "unsupported processor: riscv64"],
  ])("says clearly when it meets %s", async (_, uname, message) => {
    const result = await install(release(), { path: fakes({ uname }) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(result.installed).toBe(false);
  });

  test("picks the build for musl, for Rosetta, and for processors without AVX2", async () => {
    const musl = await install(release(), {
      path: fakes({ ldd: "echo 'musl libc (x86_64)' >&2; exit 1", uname: 'case "$1" in -s) echo Linux ;; *) echo x86_64 ;; esac' }),
    });
    expect(musl.stderr).toContain("downloading exprag-linux-x64-musl");
    const rosetta = await install(release(), { path: fakes({ uname: 'case "$1" in -s) echo Darwin ;; *) echo x86_64 ;; esac', sysctl: "echo 1" }) });
    expect(rosetta.stderr).toContain("downloading exprag-darwin-arm64");
    const cpuinfo = join(tempDir(), "cpuinfo");
    writeFileSync(cpuinfo, "flags : fpu sse sse2 sse4_2 avx\n");
    const old = await install(release(), {
      path: fakes({ uname: 'case "$1" in -s) echo Linux ;; *) echo x86_64 ;; esac' }),
      env: { EXPRAG_INSTALL_CPUINFO: cpuinfo },
    });
    expect(old.stderr).toContain("downloading exprag-linux-x64-baseline");
    expect([musl.code, rosetta.code, old.code]).toEqual([0, 0, 0]);
  });

  test("on musl, a build that does not run says it needs libstdc++, and installs nothing", async () => {
    const dir = tempDir();
    const broken = "#!/bin/sh\necho 'Error loading shared library libstdc++.so.6: No such file or directory' >&2\nexit 127\n";
    writeFileSync(join(dir, "exprag-linux-x64-musl"), broken);
    writeFileSync(join(dir, "SHA256SUMS"), `${createHash("sha256").update(broken).digest("hex")}  exprag-linux-x64-musl\n`);
    const musl = await install(dir, {
      path: fakes({ ldd: "echo 'musl libc (x86_64)' >&2; exit 1", uname: 'case "$1" in -s) echo Linux ;; *) echo x86_64 ;; esac' }),
    });
    expect(musl.code).not.toBe(0);
    expect(musl.stderr).toContain("the musl builds need libstdc++ at run time (on Alpine: apk add libstdc++)");
    expect(musl.installed).toBe(false);
  });

  test("--version pins the version, and refuses a release that holds another", async () => {
    expect((await install(release(), { args: ["--version", pkg.version] })).code).toBe(0);
    const other = await install(release(), { args: ["--version", "9.9.9"] });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("asked for version 9.9.9");
    expect(other.installed).toBe(false);
  });

  test("a truncated download runs nothing", async () => {
    const script = readFileSync(INSTALLER, "utf8");
    const truncated = join(tempDir(), "install.sh");
    writeFileSync(truncated, script.slice(0, script.lastIndexOf("main ")));
    const dir = join(tempDir(), "bin");
    const result = Bun.spawnSync(["sh", truncated], { env: cleanEnv({ EXPRAG_INSTALL_BASE_URL: release(), EXPRAG_INSTALL_DIR: dir }) });
    expect(result.exitCode).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  test.skipIf(!Bun.which("shellcheck"))("is clean under shellcheck", () => {
    const result = Bun.spawnSync(["shellcheck", INSTALLER], { stdout: "pipe" });
    expect(result.stdout.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });
});

describe("Python wheel", () => {
  test("installs into a fresh venv and puts a working exprag on its PATH", () => {
    const dir = tempDir();
    const spec = {
      version: pkg.version,
      platforms: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
      binary: readFileSync(EXPRAG),
      windows: false,
      summary: pkg.description,
    };
    const wheel = join(dir, wheelFileName(spec));
    writeFileSync(wheel, buildWheel(spec));
    expect(wheelFileName(spec)).toBe(`exprag-${pkg.version}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`);
    expect(Bun.spawnSync(["python3", "-m", "venv", join(dir, "venv")]).exitCode).toBe(0);
    const pip = Bun.spawnSync([join(dir, "venv", "bin", "pip"), "install", "--no-index", "--quiet", wheel], { stderr: "pipe" });
    expect(pip.stderr.toString()).toBe("");
    const env = { ...cleanEnv(), PATH: `${join(dir, "venv", "bin")}:/usr/bin:/bin` };
    const run = Bun.spawnSync(["exprag", "--version"], { env, stdout: "pipe" });
    expect(run.stdout.toString().split(" ")[0]!.trim()).toBe(pkg.version);
    // The Python package beside it: the original's README example finds the wheel's binary, with no other exprag on PATH.
    const project = join(dir, "project");
    mkdirSync(project);
    const example = "from exprag import Experiment\ne = Experiment('wheel', metadata={'a': 1})\ne.track({'acc': 0.5}, note='n')\nprint(e.path)\n";
    const venvPython = join(dir, "venv", "bin", "python");
    const started = Bun.spawnSync([venvPython, "-c", example], { cwd: project, env: { ...env, PATH: "/usr/bin:/bin" }, stdout: "pipe", stderr: "pipe" });
    expect(started.stderr.toString()).toBe("");
    const runFile = started.stdout.toString().trim();
    expect(readFileSync(runFile, "utf8")).toContain('"kind":"run_end"');
    const skill = Bun.spawnSync(["exprag-skill", "--write", join(project, "SKILL.md")], { env, stdout: "pipe" });
    expect(skill.exitCode).toBe(0);
    expect(readFileSync(join(project, "SKILL.md"), "utf8")).toStartWith("---\nname: exprag-jsonl\n");
  }, 60_000);
});
