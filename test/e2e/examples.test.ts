import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { exprag, onlyRun, runEnd, tempDir, tracked, works } from "./harness";

const examples = join(import.meta.dir, "..", "..", "examples");

/**
 * How to run each example, what it needs first (a compiler), and how to tell that its toolchain
 * works here: a command on PATH is not enough (rustup's rustc shim fails without a toolchain).
 */
const languages: { name: string; probe: string[]; command: (dir: string) => string[]; build?: (dir: string) => string[] }[] = [
  { name: "Python", probe: ["python3", "--version"], command: () => ["python3", join(examples, "train.py"), "--lr", "0.03"] },
  { name: "Node", probe: ["node", "--version"], command: () => ["node", join(examples, "train.mjs"), "--lr", "0.03"] },
  { name: "shell", probe: ["sh", "-c", "true"], command: () => ["sh", join(examples, "train.sh"), "0.03"] },
  { name: "R", probe: ["Rscript", "--version"], command: () => ["Rscript", join(examples, "train.R"), "0.03"] },
  { name: "Julia", probe: ["julia", "--version"], command: () => ["julia", join(examples, "train.jl"), "0.03"] },
  { name: "Go", probe: ["go", "version"], command: () => ["go", "run", join(examples, "train.go"), "0.03"] },
  {
    name: "Rust",
    probe: ["rustc", "--version"],
    build: (dir) => ["rustc", join(examples, "train.rs"), "-o", join(dir, "train")],
    command: (dir) => [join(dir, "train"), "0.03"],
  },
  {
    name: "C",
    probe: ["cc", "--version"],
    build: (dir) => ["cc", join(examples, "train.c"), "-o", join(dir, "train"), "-lm"],
    command: (dir) => [join(dir, "train"), "0.03"],
  },
];

describe("examples from any language", () => {
  for (const language of languages) {
    test.skipIf(!works(...language.probe))(`${language.name}: five steps of a falling loss land as records`, async () => {
      const cwd = tempDir();
      if (language.build) expect(Bun.spawnSync(language.build(cwd), { cwd }).exitCode).toBe(0);
      const result = await exprag(["run", "--name", language.name, "--", ...language.command(cwd)], { cwd });
      expect(result.exitCode).toBe(0);
      expect(result.text).not.toContain("EXPRAG::");
      const records = onlyRun(join(cwd, ".exprag"));
      const values = tracked(records);
      expect(values.map((v) => v.step)).toEqual([0, 1, 2, 3, 4]);
      const losses = values.map((v) => v.metrics.loss);
      expect(losses.every((loss, i) => loss > 0 && loss < 1 && (i === 0 || loss < losses[i - 1]))).toBe(true);
      expect(runEnd(records).counts.parse_error).toBe(0);
    });
  }

  test.skipIf(!works("python3", "--version") || !works("node", "--version"))(
    "Python's example leaves a note, Node's declares its config with $meta, the shell's writes to EXPRAG_FD",
    async () => {
      const python = tempDir();
      await exprag(["run", "--", "python3", join(examples, "train.py")], { cwd: python });
      expect(
        onlyRun(join(python, ".exprag"))
          .filter((r) => r.note)
          .map((r) => r.note),
      ).toEqual(["last step"]);
      const node = tempDir();
      await exprag(["run", "--", "node", join(examples, "train.mjs"), "--lr", "0.03"], { cwd: node });
      expect(onlyRun(join(node, ".exprag")).find((r) => r.kind === "meta")!.value).toEqual({ hparams: { lr: 0.03, steps: 5 } });
      const shell = tempDir();
      const result = await exprag(["run", "--", "sh", join(examples, "train.sh")], { cwd: shell });
      expect(result.text.split("\n")[0]).toBe("step 0: loss 0.367879");
      expect(tracked(onlyRun(join(shell, ".exprag")))[0]).toEqual({ step: 0, metrics: { loss: 0.367879 } });
    },
  );
});
