import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEnd, readHello } from "../../../src/core/run/experiment-session";
import { runsPython, withHookOnPath, withPythonHook } from "../../../src/core/run/python-hook";
import { pythonHookDir } from "../../../src/core/run/python-hook-dir";

describe("runsPython", () => {
  test.each([
    [["python3", "t.py"]],
    [["/usr/bin/python3.11", "-m", "pkg.train"]],
    [["./train.py"]],
    [["torchrun", "--nproc_per_node", "2", "t.py"]],
    [["accelerate", "launch", "t.py"]],
    [["uv", "run", "t.py"]],
    [["uv", "run", "python", "-c", "1"]],
    [["env", "A=1", "python", "t.py"]],
  ])("%j runs Python", (argv) => expect(runsPython(argv)).toBe(true));
  test.each([[["node", "t.js"]], [["./train.sh"]], [["uv", "pip", "list"]], [["Rscript", "a.R"]], [[]]])("%j does not", (argv) =>
    expect(runsPython(argv)).toBe(false),
  );
});

describe("the hook's folder", () => {
  test("is written once into the cache and put first on PYTHONPATH", async () => {
    const cache = mkdtempSync(join(tmpdir(), "exprag-hook-"));
    try {
      const made = pythonHookDir({ XDG_CACHE_HOME: cache });
      if ("error" in made) throw new Error(made.error);
      expect(made.dir.startsWith(join(cache, "exprag", "python-hook-"))).toBe(true);
      expect(readFileSync(join(made.dir, "sitecustomize.py"), "utf8")).toContain("_exprag_params_hook");
      expect(withHookOnPath(made.dir, undefined)).toBe(made.dir);
      expect(withHookOnPath(made.dir, "/a")).toBe(`${made.dir}:/a`);
      const hooked = await withPythonHook(["python3", "t.py"], { XDG_CACHE_HOME: cache, PYTHONPATH: "/a" }, true, () => {});
      expect(hooked).toEqual({ env: { XDG_CACHE_HOME: cache, PYTHONPATH: `${made.dir}:/a` }, paramsHook: "python" });
      expect(await withPythonHook(["python3", "t.py"], { XDG_CACHE_HOME: cache }, false, () => {})).toEqual({ env: { XDG_CACHE_HOME: cache } });
      expect((await withPythonHook(["node", "t.js"], { XDG_CACHE_HOME: cache }, true, () => {})).paramsHook).toBeUndefined();
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  test("is written whatever another process's temporary file there holds (another host's of the same pid, on a shared home)", () => {
    const cache = mkdtempSync(join(tmpdir(), "exprag-hook-"));
    try {
      const first = pythonHookDir({ XDG_CACHE_HOME: cache });
      if ("error" in first) throw new Error(first.error);
      rmSync(join(first.dir, "sitecustomize.py"));
      mkdirSync(join(first.dir, `sitecustomize.py.${process.pid}.tmp`)); // in the way of a name made from the pid alone
      const again = pythonHookDir({ XDG_CACHE_HOME: cache });
      expect(again).toEqual({ dir: first.dir });
      expect(readFileSync(join(first.dir, "sitecustomize.py"), "utf8")).toContain("_exprag_params_hook");
      expect(readdirSync(first.dir).filter((name) => name !== "sitecustomize.py")).toEqual([`sitecustomize.py.${process.pid}.tmp`]);
      // Where the hook cannot be put in place, its temporary file is not left behind.
      rmSync(join(first.dir, "sitecustomize.py"));
      mkdirSync(join(first.dir, "sitecustomize.py", "in-the-way"), { recursive: true });
      expect(pythonHookDir({ XDG_CACHE_HOME: cache })).toEqual({ error: expect.stringMatching(/^cannot write .* \(E[A-Z]+\)$/) });
      expect(
        readdirSync(first.dir)
          .filter((name) => name !== "sitecustomize.py")
          .sort(),
      ).toEqual([`sitecustomize.py.${process.pid}.tmp`]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  test("that cannot be written leaves the hook off and says why", async () => {
    const warnings: string[] = [];
    const hooked = await withPythonHook(["python3", "t.py"], { XDG_CACHE_HOME: "/proc/exprag-cannot-write-here" }, true, (m) => warnings.push(m));
    expect(hooked.paramsHook).toBeUndefined();
    expect(warnings[0]).toStartWith("the parameter hook for Python is off: cannot write /proc/exprag-cannot-write-here/exprag/python-hook-");
  });
});

describe("__experiment's lines", () => {
  test("the hello line: the Python process and its experiment, checked", () => {
    expect(readHello('{"name": "a", "metadata": {"lr": 1}, "pid": 42, "ppid": 1, "argv": ["python", "t.py"], "cwd": "/x"}')).toEqual({
      name: "a",
      metadata: { lr: 1 },
      pid: 42,
      ppid: 1,
      argv: ["python", "t.py"],
      cwd: "/x",
    });
    for (const [line, message] of [
      ["nope", "not JSON"],
      ["[1]", "not a JSON object"],
      ['{"name": " ", "pid": 1, "argv": []}', "name must be a non-empty string"],
      ['{"name": "a", "pid": -1, "argv": []}', "pid must be a process id"],
      ['{"name": "a", "pid": 1, "argv": [1]}', "argv must be a list of strings"],
    ])
      expect(() => readHello(line!)).toThrow(message!);
  });

  test("!end: the status asked for, unknown ones read as ok, other lines are not ends", () => {
    expect(readEnd('{"status": "failed", "exit_code": 3, "signal": null, "error": "boom"}')).toEqual({
      status: "failed",
      exit_code: 3,
      signal: null,
      error: "boom",
    });
    expect(readEnd('{"status": "exploded"}')).toEqual({ status: "ok", exit_code: 0, signal: null });
    expect(readEnd('{"status": "interrupted", "signal": "SIGINT"}')).toEqual({ status: "interrupted", exit_code: 1, signal: "SIGINT" });
    expect(readEnd("garbage")).toBeNull();
  });
});
