import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentAuthor, detectAgent, loginName } from "../../../src/core/record/author";

const hasGit = spawnSync("git", ["--version"]).status === 0;
/** This process's user as the password file names it (`id -un`); null where id cannot say. */
const idName = (() => {
  const result = spawnSync("id", ["-un"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
})();

describe("who is acting", () => {
  test("an agent is recognised by the variable it sets, first marker first", () => {
    expect(detectAgent({ CLAUDECODE: "1" })).toEqual({ name: "claude-code", env: "CLAUDECODE" });
    expect(detectAgent({ OPENCODE: "1", CODEX_SANDBOX: "seatbelt" })).toEqual({ name: "codex", env: "CODEX_SANDBOX" });
    expect(detectAgent({ CLAUDECODE: "" })).toBeNull();
  });

  test("the agent wins over an MCP client's name, which wins over the user", () => {
    expect(currentAuthor({ GEMINI_CLI: "1" }, undefined, "some-client")).toEqual({ kind: "agent", name: "gemini-cli" });
    expect(currentAuthor({}, undefined, "some-client")).toEqual({ kind: "agent", name: "some-client" });
    expect(currentAuthor({})).toEqual({ kind: "user", name: loginName({}) ?? expect.any(String) });
  });

  test.skipIf(!hasGit)("the user is git's user.name where one is configured, else the login name", () => {
    const dir = mkdtempSync(join(tmpdir(), "exprag-author-"));
    try {
      const env = { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
      spawnSync("git", ["init", "-q", dir], { env });
      expect(currentAuthor(env, dir)).toEqual({ kind: "user", name: loginName(env) ?? expect.any(String) });
      spawnSync("git", ["config", "user.name", "Ada Lovelace"], { cwd: dir, env });
      expect(currentAuthor(env, dir)).toEqual({ kind: "user", name: "Ada Lovelace" });
      spawnSync("git", ["config", "user.name", "evil\u001b[31m"], { cwd: dir, env });
      expect(currentAuthor(env, dir).name).not.toContain("\u001b");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the login name", () => {
  test("is the environment's USER, else USERNAME, else LOGNAME; an empty one says nothing", () => {
    expect(loginName({ USER: "ada", USERNAME: "bob", LOGNAME: "cy" })).toBe("ada");
    expect(loginName({ USER: "", USERNAME: "bob", LOGNAME: "cy" })).toBe("bob");
    expect(loginName({ LOGNAME: "cy" })).toBe("cy");
  });

  test.skipIf(process.platform === "win32" || !idName)("without any of them, the password file's name for this user, never a made-up one", () => {
    // The runtime's os.userInfo() answers "unknown" here (under cron, systemd or docker exec).
    expect(loginName({})).toBe(idName);
  });
});
