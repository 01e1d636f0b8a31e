import { describe, expect, test } from "bun:test";
import { closeSync } from "node:fs";
import { isCompiledMain, type Platform, POSIX_RELAYED_SIGNALS, platform, platformFor } from "../../../src/core/os/platform";
import { createPipe, libcSymbolNames } from "../../../src/core/os/posix";
import { liveness, processIdentity } from "../../../src/core/os/processes";
import { isPacedPipe } from "../../../src/core/run/output";
import { deliveredByTerminal, SignalRelay } from "../../../src/core/run/signals";
import { spawnPlan } from "../../../src/core/run/spawn";

const linux = platformFor("linux");
const darwin = platformFor("darwin");
const freebsd = platformFor("freebsd");
const win32 = platformFor("win32");
const unknown = platformFor("aix");
const everyPlatform: [string, Platform][] = [
  ["linux", linux],
  ["darwin", darwin],
  ["freebsd", freebsd],
  ["win32", win32],
  ["aix", unknown],
];
const named = Object.fromEntries(everyPlatform) as Record<string, Platform>;
const isLinux = process.platform === "linux";

describe("platformFor", () => {
  test("linux offers every call exprag uses: pipe2, pipe sizing, FIONREAD, sync_file_range, /proc", () => {
    expect(linux).toEqual({
      name: "linux",
      libcNames: ["libc.so.6", "libc.so"],
      realPipes: true,
      pipe2: true,
      oCloexec: 0o2000000,
      pipeSizeControl: true,
      fionread: 0x541b,
      tiocgwinsz: 0x5413,
      syncFileRange: true,
      inotify: true,
      pipePacing: true,
      recordFd: true,
      signals: ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"],
      sigactionHandlerOffset: 0,
      ignoredSignalsTrampoline: true,
      keyboardSignalsReach: "foreground-process-group",
      procFs: true,
      compiledMain: "/$bunfs/",
    });
  });

  test("darwin has real pipes, EXPRAG_FD, every signal and the trampoline, but no pipe2, pipe sizing, pacing or /proc", () => {
    expect(darwin).toEqual({
      ...linux,
      name: "darwin",
      libcNames: ["libSystem.B.dylib"],
      pipe2: false,
      oCloexec: 0x1000000,
      pipeSizeControl: false,
      fionread: 0x4004667f,
      tiocgwinsz: 0x40087468,
      syncFileRange: false,
      inotify: false,
      pipePacing: false,
      procFs: false,
    });
  });

  test("freebsd is darwin with its own libc and O_CLOEXEC", () => {
    expect(freebsd).toEqual({ ...darwin, name: "freebsd", libcNames: ["libc.so.7"], oCloexec: 0x100000 });
  });

  test("win32 loads no libc, uses Bun's pipes, has no EXPRAG_FD, relays SIGINT and SIGTERM only, and has no trampoline", () => {
    expect(win32).toEqual({
      name: "win32",
      libcNames: [],
      realPipes: false,
      pipe2: false,
      oCloexec: null,
      pipeSizeControl: false,
      fionread: null,
      tiocgwinsz: null,
      syncFileRange: false,
      inotify: false,
      pipePacing: false,
      recordFd: false,
      signals: ["SIGINT", "SIGTERM"],
      sigactionHandlerOffset: null,
      ignoredSignalsTrampoline: false,
      keyboardSignalsReach: "every-console-process",
      procFs: false,
      compiledMain: "drive:~BUN",
    });
  });

  test("an unknown platform keeps its name and gets only what Bun offers: no libc, no EXPRAG_FD, no trampoline", () => {
    expect(unknown).toEqual({
      ...darwin,
      name: "aix",
      libcNames: [],
      realPipes: false,
      oCloexec: null,
      fionread: null,
      tiocgwinsz: null,
      recordFd: false,
      sigactionHandlerOffset: null,
      ignoredSignalsTrampoline: false,
    });
  });

  test.each(everyPlatform)("%s: each capability has what it needs", (_, on) => {
    if (on.pipePacing) expect([on.pipeSizeControl, on.fionread !== null, on.realPipes]).toEqual([true, true, true]);
    if (on.recordFd) expect(on.realPipes).toBe(true);
    if (on.realPipes) expect(on.libcNames.length).toBeGreaterThan(0);
    if (on.pipe2) expect(on.oCloexec).not.toBeNull();
    if (on.ignoredSignalsTrampoline) expect([on.libcNames.length > 0, on.sigactionHandlerOffset]).toEqual([true, 0]);
    expect(POSIX_RELAYED_SIGNALS.filter((name) => on.signals.includes(name))).toEqual([...on.signals]);
  });

  test("the platform exprag runs on is the one for process.platform", () => {
    expect(platform).toEqual(platformFor(process.platform));
  });
});

describe("isCompiledMain", () => {
  test.each([
    ["/$bunfs/root/exprag", "linux", true],
    ["/$bunfs/root/exprag", "darwin", true],
    ["/home/me/exprag/src/cli.ts", "linux", false],
    ["/tmp/$bunfs/cli.ts", "linux", false],
    ["B:/~BUN/root/exprag.exe", "win32", true],
    ["C:\\~BUN\\root\\exprag.exe", "win32", true],
    ["C:\\src\\exprag\\src\\cli.ts", "win32", false],
    ["B:/~BUN/root/exprag.exe", "linux", false],
    ["b:\\~BUN/root/exprag.exe", "win32", true],
    ["1:/~BUN/root/exprag.exe", "win32", false],
    ["B:/~BUNS/root/exprag.exe", "win32", false],
    ["B:~BUN/root/exprag.exe", "win32", false],
    ["/$bunfs/root/exprag", "win32", false],
  ] as const)("%s on %s: %p", (main, name, expected) => {
    expect(isCompiledMain(main, named[name])).toBe(expected);
  });
});

describe("libcSymbolNames", () => {
  const portable = ["execv", "fcntl", "getenv", "getpgrp", "ioctl", "isatty", "localtime_r", "pipe", "poll", "sigaction", "signal", "tcgetpgrp"];
  const sorted = (names: readonly string[]) => [...names].sort();

  test("binds pipe2, sync_file_range and inotify on linux only, where libc has them", () => {
    expect(sorted(libcSymbolNames(linux))).toEqual(sorted([...portable, "pipe2", "sync_file_range", "inotify_init1", "inotify_add_watch", "inotify_rm_watch"]));
    expect(sorted(libcSymbolNames(darwin))).toEqual(portable);
    expect(sorted(libcSymbolNames(freebsd))).toEqual(portable);
  });

  test("binds nothing where no libc is loaded (win32, unknown platforms)", () => {
    expect(libcSymbolNames(win32)).toEqual([]);
    expect(libcSymbolNames(unknown)).toEqual([]);
  });
});

describe("spawnPlan", () => {
  const nohup = { captureStderr: true, ignored: ["SIGHUP"] };
  const plain = { captureStderr: false, ignored: [] };

  test.each([
    ["linux", "SIGHUP ignored, stderr kept", nohup, { viaExec: true, stdout: "real-pipe", stderr: "real-pipe", records: "real-pipe" }],
    ["linux", "nothing ignored, stderr passed", plain, { viaExec: false, stdout: "real-pipe", stderr: "inherit", records: "real-pipe" }],
    ["darwin", "SIGHUP ignored, stderr kept", nohup, { viaExec: true, stdout: "real-pipe", stderr: "real-pipe", records: "real-pipe" }],
    ["win32", "SIGHUP ignored, stderr kept", nohup, { viaExec: false, stdout: "bun-pipe", stderr: "bun-pipe", records: "none" }],
    ["win32", "nothing ignored, stderr passed", plain, { viaExec: false, stdout: "bun-pipe", stderr: "inherit", records: "none" }],
    ["aix", "SIGHUP ignored, stderr kept", nohup, { viaExec: false, stdout: "bun-pipe", stderr: "bun-pipe", records: "none" }],
  ] as const)("%s, %s: starts as %o", (name, _, request, expected) => {
    expect(spawnPlan(request, named[name])).toEqual(expected);
  });
});

describe("SignalRelay", () => {
  function registeredBy(on: Platform): { registered: string[]; ignored: string[]; afterRemove: string[] } {
    const before = POSIX_RELAYED_SIGNALS.map((name) => process.listenerCount(name));
    const relay = new SignalRelay(on);
    const added = (counts: number[]) => POSIX_RELAYED_SIGNALS.filter((name, i) => process.listenerCount(name) > counts[i]!);
    const registered = added(before);
    relay.remove();
    return { registered, ignored: relay.ignored, afterRemove: added(before) };
  }

  test.each(everyPlatform)("%s: listens for exactly the platform's signals, less those ignored at start, and stops on remove", (_, on) => {
    const { registered, ignored, afterRemove } = registeredBy(on);
    expect(ignored.every((name) => on.signals.includes(name as never))).toBe(true);
    expect(registered).toEqual(on.signals.filter((name) => !ignored.includes(name)));
    expect(afterRemove).toEqual([]);
  });

  test("on win32 it never listens for SIGHUP, SIGQUIT, SIGUSR1 or SIGUSR2", () => {
    const { registered } = registeredBy(win32);
    expect(registered.filter((name) => !["SIGINT", "SIGTERM"].includes(name))).toEqual([]);
  });
});

describe("deliveredByTerminal", () => {
  const foreground = () => true;
  const background = () => false;
  const notAsked = () => {
    throw new Error("asked for the terminal's foreground group");
  };

  test.each([
    ["the first SIGINT in the foreground", true, "SIGINT", 1, foreground],
    ["the first SIGINT in the background", false, "SIGINT", 1, background],
    ["a second SIGINT in the foreground", false, "SIGINT", 2, foreground],
    ["SIGQUIT in the foreground", true, "SIGQUIT", 0, foreground],
    ["SIGTERM in the foreground", false, "SIGTERM", 0, foreground],
  ] as const)("linux: %s was delivered by the terminal: %p", (_, expected, name, interrupts, inForeground) => {
    expect(deliveredByTerminal(name, interrupts, inForeground, linux)).toBe(expected);
  });

  test("win32: the first Ctrl-C reached every console process, without asking for a foreground group", () => {
    expect(deliveredByTerminal("SIGINT", 1, notAsked, win32)).toBe(true);
  });

  test("win32: a second SIGINT and SIGTERM are passed on", () => {
    expect(deliveredByTerminal("SIGINT", 2, notAsked, win32)).toBe(false);
    expect(deliveredByTerminal("SIGTERM", 0, notAsked, win32)).toBe(false);
  });
});

describe("isPacedPipe", () => {
  test.skipIf(!isLinux)("paces a real pipe on linux only", () => {
    const pipe = createPipe();
    expect(pipe).not.toBeNull();
    const [readFd, writeFd] = pipe!;
    try {
      expect(everyPlatform.map(([name, on]) => [name, isPacedPipe(writeFd, on)])).toEqual([
        ["linux", true],
        ["darwin", false],
        ["freebsd", false],
        ["win32", false],
        ["aix", false],
      ]);
    } finally {
      closeSync(readFd);
      closeSync(writeFd);
    }
  });

  test("does not pace a descriptor that is not a pipe", () => {
    expect(isPacedPipe(-1, linux)).toBe(false);
  });
});

describe("processIdentity", () => {
  test.each([
    ["darwin", darwin],
    ["win32", win32],
    ["aix", unknown],
  ] as const)("%s: reads no /proc, so boot id and start time are unknown, and the process is still alive", (_, on) => {
    const identity = processIdentity(process.pid, on);
    expect([identity.pid, identity.boot_id, identity.start_ticks]).toEqual([process.pid, null, null]);
    expect(liveness(identity, on)).toBe("alive");
  });

  test.skipIf(!isLinux)("linux: reads boot id and start time from /proc", () => {
    const identity = processIdentity(process.pid, linux);
    expect(typeof identity.boot_id).toBe("string");
    expect(Number.isInteger(identity.start_ticks)).toBe(true);
    expect(liveness(identity, linux)).toBe("alive");
  });
});
