import { expect, test } from "bun:test";
import { jobScript, shellWord, tasksText } from "../../../src/core/slurm/job-script";

test("a shell word is single-quoted, its quotes written as '\\''", () => {
  expect(shellWord("it's $(x) `y`")).toBe(`'it'\\''s $(x) \`y\`'`);
  const echoed = Bun.spawnSync(["sh", "-c", `printf %s ${shellWord("a'b\n$HOME \\ \"")}`], { stdout: "pipe" });
  expect(echoed.stdout.toString()).toBe("a'b\n$HOME \\ \"");
});

test("the job script quotes every value and hands the task's line to exprag; the tasks file is JSON", () => {
  const script = jobScript({
    name: "sweep-1",
    exprag: ["/opt/ex prag"],
    folder: "/w'x",
    variables: { EXPRAG_X: "$(y)" },
    tasksFile: "/s/t",
    sbatch: ["sbatch", "a b"],
  });
  expect(script).toContain("cd '/w'\\''x' || exit 1\n");
  expect(script).toContain("export EXPRAG_X='$(y)'\n");
  expect(script).toContain(`exec '/opt/ex prag' __slurm-task '/s/t' "\${SLURM_ARRAY_TASK_ID:-}"\n`);
  expect(() => jobScript({ name: "x", exprag: ["e"], folder: "/", variables: { "A;B": "1" }, tasksFile: "/t", sbatch: [] })).toThrow();
  expect(tasksText([{ runArguments: ["--", "a\nb"], variables: { V: "1" } }])).toBe('{"run":["--","a\\nb"],"env":{"V":"1"}}\n');
});
