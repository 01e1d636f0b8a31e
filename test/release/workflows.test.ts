/**
 * The GitHub workflows cannot run here, so they are checked as files: each parses, passes a
 * linter (@action-validator/core, which checks them against the published workflow schema), and
 * says what the project relies on (which platforms run what, in which order).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TARGETS } from "../../scripts/build";
import { ROOT, targetFile } from "./builds";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  "runs-on": string;
  "timeout-minutes"?: number;
  "continue-on-error"?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Record<string, string | boolean>[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, { tags?: string[] } | null>;
  jobs: Record<string, Job>;
}

const WORKFLOWS = join(ROOT, ".github", "workflows");
const FILES = readdirSync(WORKFLOWS)
  .filter((file) => file.endsWith(".yml"))
  .sort();
const source = (file: string) => readFileSync(join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => Bun.YAML.parse(source(file)) as Workflow;
const job = (file: string, name: string) => {
  const found = workflow(file).jobs[name];
  if (!found) throw new Error(`${file} has no job ${name}`);
  return found;
};
/** The shell lines of a job, in order, one string per step. */
const runs = (steps: Step[]) => steps.flatMap((step) => (step.run ? [step.run] : []));
const indexOfRun = (steps: Step[], text: string) => runs(steps).findIndex((run) => run.includes(text));

let validator: typeof import("@action-validator/core") | undefined;
try {
  validator = await import("@action-validator/core");
} catch {
  validator = undefined;
}

describe("the workflow files", () => {
  test("are ci.yml and release.yml", () => {
    expect(FILES).toEqual(["ci.yml", "release.yml"]);
  });

  test.each(FILES)("%s parses as YAML into triggers and jobs", (file) => {
    const parsed = workflow(file);
    expect(Object.keys(parsed.on).length).toBeGreaterThan(0);
    expect(Object.keys(parsed.jobs).length).toBeGreaterThan(0);
  });

  if (validator) {
    const lint = validator;
    test.each(FILES)("%s has no findings from action-validator", (file) => {
      expect(lint.validateWorkflow(source(file)).errors).toEqual([]);
    });
    test("action-validator does report a broken workflow", () => {
      const broken = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: soon\n    steps:\n      - rn: npm test\n";
      expect(lint.validateWorkflow(broken).errors.length).toBeGreaterThan(0);
    });
  } else {
    test.skip("lint with action-validator: skipped, @action-validator/core is not installed (npm ci installs it)", () => {});
  }

  test.each(FILES)("%s gives every job a time limit and pins every action to a major version", (file) => {
    for (const [name, found] of Object.entries(workflow(file).jobs)) {
      expect({ name, limit: typeof found["timeout-minutes"] }).toEqual({ name, limit: "number" });
      for (const step of found.steps) if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    }
  });
});

describe("ci.yml", () => {
  test("runs on every push and pull request", () => {
    expect(Object.keys(workflow("ci.yml").on).sort()).toEqual(["pull_request", "push"]);
  });

  test("runs npm ci and npm test on Linux, macOS and Windows, with a git identity and npm's cache", () => {
    const tests = job("ci.yml", "test");
    expect(tests.strategy?.matrix.include.map((entry) => entry.os)).toEqual(["ubuntu-latest", "macos-latest", "windows-latest"]);
    const identity = indexOfRun(tests.steps, "git config --global user.email");
    expect(identity).toBe(0);
    expect(indexOfRun(tests.steps, "npm ci")).toBeLessThan(indexOfRun(tests.steps, "npm test"));
    expect(tests.steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with?.cache).toBe("npm");
  });

  test("lets Windows fail without failing CI, while it is experimental", () => {
    const tests = job("ci.yml", "test");
    expect(tests["continue-on-error"]).toBe("${{ matrix.experimental }}");
    expect(tests.strategy?.matrix.include.filter((entry) => entry.experimental === true).map((entry) => entry.os)).toEqual(["windows-latest"]);
  });

  test("runs the release checks in .ci/run's order: build every target, the release tests, then install.sh from dist/", () => {
    const steps = job("ci.yml", "release-checks").steps;
    const order = ["npm ci", "npm run build:all", "npm run test:release", "EXPRAG_INSTALL_BASE_URL=dist", '"$installed/exprag" --version'].map((text) =>
      indexOfRun(steps, text),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe("release.yml", () => {
  // Which runner runs each release binary; the musl ones inside Alpine.
  const PLATFORMS: Record<string, { runner: string; alpine?: string }> = {
    "linux-x64": { runner: "ubuntu-latest" },
    "linux-x64-baseline": { runner: "ubuntu-latest" },
    "linux-arm64": { runner: "ubuntu-24.04-arm" },
    "linux-x64-musl": { runner: "ubuntu-latest", alpine: "alpine:3.20" },
    "linux-arm64-musl": { runner: "ubuntu-24.04-arm", alpine: "alpine:3.20" },
    "darwin-arm64": { runner: "macos-latest" },
    "darwin-x64": { runner: "macos-15-intel" },
    "windows-x64": { runner: "windows-latest" },
  };

  test("runs on version tags only", () => {
    expect(workflow("release.yml").on).toEqual({ push: { tags: ["v*"] } });
  });

  test("builds every target and the release tests pass before anything is uploaded", () => {
    const build = job("release.yml", "build");
    expect(indexOfRun(build.steps, "npm run build:all")).toBeLessThan(indexOfRun(build.steps, "npm run test:release"));
    const upload = build.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with?.path).toBe("dist/exprag-*\ndist/SHA256SUMS\n");
  });

  test("runs each binary on a runner of its own platform, after the build", () => {
    const verify = job("release.yml", "verify");
    expect(verify.needs).toBe("build");
    const include = verify.strategy?.matrix.include ?? [];
    const seen = Object.fromEntries(
      include.map((entry) => [entry.target, { runner: entry.runner, alpine: entry.container ?? entry.docker, binary: entry.binary }]),
    );
    const expected = Object.fromEntries(Object.entries(PLATFORMS).map(([target, platform]) => [target, { ...platform, binary: targetFile(target) }]));
    expect(seen).toEqual(expected);
  });

  test("verifies every target that build.ts makes", () => {
    expect(Object.keys(PLATFORMS).sort()).toEqual(TARGETS.map((target) => target.name).sort());
  });

  test("checks --version and a recorded run with scripts/verify-binary.mjs, with libstdc++ in Alpine", () => {
    const lines = runs(job("release.yml", "verify").steps).join("\n");
    expect(lines).toContain('node scripts/verify-binary.mjs "dist/${{ matrix.binary }}"');
    expect(lines.match(/apk add --no-cache libstdc\+\+ git nodejs/g)?.length).toBe(2);
  });

  test("publishes only after every binary passed, with the binaries, SHA256SUMS, install.sh and the wheels", () => {
    const publish = job("release.yml", "publish");
    expect(publish.needs).toBe("verify");
    expect(publish.permissions).toEqual({ contents: "write" });
    const step = publish.steps.find((s) => s.run?.includes("gh release create"));
    expect(step?.env?.GH_TOKEN).toBe("${{ secrets.GITHUB_TOKEN }}");
    // dist/exprag-* holds the binaries and the wheels (exprag-<version>-py3-...whl).
    expect(step?.run).toContain("dist/exprag-* dist/SHA256SUMS install.sh");
  });
});
