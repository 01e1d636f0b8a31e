/**
 * git's config read from its files instead of asked of git: certain only where every file git
 * reads is known and says nothing of the keys; and never "unset" where git finds one set.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { certainlyUnset, configFiles } from "../../../src/core/git/config-scan";
import { CONFIG_WORDS, REFLOGS_KEPT } from "../../../src/core/git/own-writes";
import { tempDir } from "../../temp-dir";

/** Whether this machine's git is one whose files are known (Linux, the distribution's git): elsewhere git is always asked. */
const knownGit = process.platform === "linux" && ["/usr/bin/git", "/bin/git"].includes(Bun.which("git") ?? "");

function setUp(): { top: string; gitDir: string; home: string; env: NodeJS.ProcessEnv } {
  const home = tempDir("exprag-config-home-");
  const top = tempDir("exprag-config-scan-");
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
  Bun.spawnSync(["git", "init", "-q", top], { env });
  return { top, gitDir: join(top, ".git"), home, env };
}

const unset = (gitDir: string, env: NodeJS.ProcessEnv) => certainlyUnset(gitDir, gitDir, env, CONFIG_WORDS, REFLOGS_KEPT);

/** What git itself says: true when none of the keys is set anywhere it reads. */
function gitSaysUnset(top: string, env: NodeJS.ProcessEnv): boolean {
  const asked = Bun.spawnSync(
    ["git", "config", "--name-only", "--get-regexp", "^(core\\.(sharedrepository|fsync|logallrefupdates)|i18n\\.commitencoding|extensions\\.refstorage)"],
    {
      cwd: top,
      env,
      stdout: "pipe",
    },
  );
  if (asked.exitCode === 1) return true;
  // `git init` writes core.logallrefupdates = true: what git does anyway, so not a setting that counts.
  return (
    asked.stdout.toString().trim() === "core.logallrefupdates" &&
    Bun.spawnSync(["git", "config", "core.logallrefupdates"], { cwd: top, env, stdout: "pipe" }).stdout.toString().trim() === "true"
  );
}

describe.skipIf(!knownGit)("config read from its files", () => {
  test("a new repository and an empty home: certainly unset, as git says", () => {
    const { top, gitDir, env } = setUp();
    expect(unset(gitDir, env)).toBe(true);
    expect(gitSaysUnset(top, env)).toBe(true);
  });

  test("a key in any file git reads, in any spelling, is seen; and never unset where git finds it", () => {
    const cases: [string, (s: ReturnType<typeof setUp>) => NodeJS.ProcessEnv][] = [
      [
        "the repository's config",
        (s) => {
          writeFileSync(join(s.gitDir, "config"), "[core]\n\tSharedRepository = group\n", { flag: "a" });
          return s.env;
        },
      ],
      [
        "the home's .gitconfig",
        (s) => {
          writeFileSync(join(s.home, ".gitconfig"), "[CORE]\n  FSYNC = loose-object\n");
          return s.env;
        },
      ],
      [
        "the XDG config",
        (s) => {
          mkdirSync(join(s.home, "xdg", "git"), { recursive: true });
          writeFileSync(join(s.home, "xdg", "git", "config"), "[i18n]\ncommitEncoding = ISO-8859-1\n");
          return { ...s.env, XDG_CONFIG_HOME: join(s.home, "xdg") };
        },
      ],
      [
        "the default XDG config",
        (s) => {
          mkdirSync(join(s.home, ".config", "git"), { recursive: true });
          writeFileSync(join(s.home, ".config", "git", "config"), "[core]\nfsyncObjectFiles = true\n");
          return s.env;
        },
      ],
      [
        "GIT_CONFIG_GLOBAL's file",
        (s) => {
          writeFileSync(join(s.home, "global"), "[extensions]\nrefStorage = files\n");
          return { ...s.env, GIT_CONFIG_GLOBAL: join(s.home, "global") };
        },
      ],
      [
        "GIT_CONFIG_SYSTEM's file",
        (s) => {
          writeFileSync(join(s.home, "system"), "[core]\nsharedrepository = 0660\n");
          const { GIT_CONFIG_NOSYSTEM: _, ...env } = s.env;
          return { ...env, GIT_CONFIG_SYSTEM: join(s.home, "system") };
        },
      ],
      [
        "the worktree's own config",
        (s) => {
          Bun.spawnSync(["git", "config", "core.repositoryformatversion", "1"], { cwd: s.top, env: s.env });
          Bun.spawnSync(["git", "config", "extensions.worktreeConfig", "true"], { cwd: s.top, env: s.env });
          writeFileSync(join(s.gitDir, "config.worktree"), "[core]\nlogAllRefUpdates = false\n");
          return s.env;
        },
      ],
      [
        "reflogs turned off",
        (s) => {
          writeFileSync(join(s.gitDir, "config"), "[core]\n\tlogallrefupdates = false\n", { flag: "a" });
          return s.env;
        },
      ],
    ];
    for (const [name, make] of cases) {
      const s = setUp();
      const env = make(s);
      expect([name, unset(s.gitDir, env), gitSaysUnset(s.top, env)]).toEqual([name, false, false]);
    }
  });

  test("an include, config in the environment, or a file that cannot be read: git is asked", () => {
    const included = setUp();
    writeFileSync(join(included.home, "empty.conf"), "");
    writeFileSync(join(included.home, ".gitconfig"), `[includeIf "gitdir:/"]\n\tpath = ${join(included.home, "empty.conf")}\n`);
    expect(unset(included.gitDir, included.env)).toBe(false);

    for (const extra of [{ GIT_CONFIG_PARAMETERS: "'core.fsync'='all'" }, { GIT_CONFIG_COUNT: "0" }, { GIT_CONFIG_GLOBAL: "" }]) {
      const s = setUp();
      expect(unset(s.gitDir, { ...s.env, ...extra })).toBe(false);
    }

    const unreadable = setUp();
    mkdirSync(join(unreadable.home, ".gitconfig"));
    expect(unset(unreadable.gitDir, unreadable.env)).toBe(false);
  });

  test("a system file git would not read (GIT_CONFIG_NOSYSTEM) is not read", () => {
    const s = setUp();
    writeFileSync(join(s.home, "system"), "[core]\nfsync = all\n");
    const env = { ...s.env, GIT_CONFIG_SYSTEM: join(s.home, "system") };
    expect(unset(s.gitDir, env)).toBe(true);
    expect(gitSaysUnset(s.top, env)).toBe(true);
  });

  test("the files GIT_CONFIG_GLOBAL and GIT_CONFIG_SYSTEM name are read beside the usual ones, which a git before 2.32 reads instead", () => {
    const s = setUp();
    writeFileSync(join(s.home, ".gitconfig"), "[core]\nfsync = all\n");
    writeFileSync(join(s.home, "global"), "[user]\nname = T\n");
    expect(unset(s.gitDir, { ...s.env, GIT_CONFIG_GLOBAL: join(s.home, "global") })).toBe(false);
    const { GIT_CONFIG_NOSYSTEM: _, ...withSystem } = s.env;
    const files = configFiles(s.gitDir, s.gitDir, { ...withSystem, GIT_CONFIG_SYSTEM: "/opt/system", GIT_CONFIG_GLOBAL: "/opt/global" });
    expect(files?.slice(0, 5)).toEqual(["/etc/gitconfig", "/opt/system", "/opt/global", `${s.home}/.config/git/config`, `${s.home}/.gitconfig`]);
  });

  test("an empty HOME is read as git reads it (from the root), an empty XDG_CONFIG_HOME as unset; a relative one is not known here", () => {
    const s = setUp();
    expect(configFiles(s.gitDir, s.gitDir, { ...s.env, HOME: "", XDG_CONFIG_HOME: "" })?.slice(0, 2)).toEqual(["/.config/git/config", "/.gitconfig"]);
    for (const variable of ["HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"]) {
      expect([variable, configFiles(s.gitDir, s.gitDir, { ...s.env, [variable]: "relative/path" })]).toEqual([variable, null]);
    }
    // Read from git's folder: the scan, run elsewhere, would miss it.
    mkdirSync(join(s.top, "h"));
    writeFileSync(join(s.top, "h", ".gitconfig"), "[core]\nsharedRepository = group\n");
    expect(gitSaysUnset(s.top, { ...s.env, HOME: "h" })).toBe(false);
    expect(unset(s.gitDir, { ...s.env, HOME: "h" })).toBe(false);
  });

  test("another git first on PATH, whose system file is elsewhere: git is asked", () => {
    const s = setUp();
    const bin = tempDir("exprag-other-git-");
    writeFileSync(join(bin, "git"), `#!/bin/sh\nexec ${Bun.which("git")} "$@"\n`);
    chmodSync(join(bin, "git"), 0o755);
    expect(unset(s.gitDir, { ...s.env, PATH: `${bin}:${s.env.PATH}` })).toBe(false);
  });

  test("reflogs kept, as git init writes it and in other spellings of true: still certainly unset", () => {
    for (const line of ["logallrefupdates = true", "\tlogAllRefUpdates=yes", "  LOGALLREFUPDATES = always  "]) {
      const s = setUp();
      writeFileSync(join(s.gitDir, "config"), `[core]\n${line}\n`);
      expect([line, unset(s.gitDir, s.env)]).toEqual([line, true]);
    }
  });
});
