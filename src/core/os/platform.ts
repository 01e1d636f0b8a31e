/**
 * What the operating system offers exprag, in one place: every POSIX-only path asks this instead
 * of `process.platform`. Values come from the platforms' headers and manuals (named at each
 * field); Windows follows what Bun and libuv do there.
 */

/** The signals exprag relays to the command on POSIX, in the order they are registered. */
export const POSIX_RELAYED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;
export type RelayedSignal = (typeof POSIX_RELAYED_SIGNALS)[number];

export interface Platform {
  name: NodeJS.Platform;
  /** The C library to dlopen for the calls Bun lacks; none where there is no libc to reach. */
  libcNames: readonly string[];
  /** Whether the command's stdout and stderr go through pipes made with libc (else Bun's own "pipe"). */
  realPipes: boolean;
  /** Whether pipe2(2) exists, making both ends close-on-exec at once (else pipe, then FD_CLOEXEC). */
  pipe2: boolean;
  /** O_CLOEXEC as the platform's <fcntl.h> spells it; null where there is no such flag. */
  oCloexec: number | null;
  /** fcntl F_SETPIPE_SZ / F_GETPIPE_SZ, to size a pipe and learn its capacity (Linux only, fcntl(2)). */
  pipeSizeControl: boolean;
  /** ioctl FIONREAD, the bytes unread in a pipe; null where it is not reached. */
  fionread: number | null;
  /** ioctl TIOCGWINSZ, a terminal's size in cells; null where it is not reached. */
  tiocgwinsz: number | null;
  /** sync_file_range(2), to start writeback without waiting (Linux only). */
  syncFileRange: boolean;
  /** inotify(7): told which files a run changed, instead of asking each file at its end (Linux only). */
  inotify: boolean;
  /** Whether writes to a pipe to our reader take only the room it has, so a stalled reader never blocks. */
  pipePacing: boolean;
  /** Whether the command gets EXPRAG_FD, a pipe on descriptor 3 for JSON lines. */
  recordFd: boolean;
  /** The signals relayed to the command that exist, and can be listened for, here. */
  signals: readonly RelayedSignal[];
  /** Where `struct sigaction` keeps the handler (SIG_IGN or not); null without sigaction. */
  sigactionHandlerOffset: number | null;
  /** Whether a signal the user ignored (nohup) is kept ignored in the command, through `exprag __exec` (execv). */
  ignoredSignalsTrampoline: boolean;
  /**
   * Who else gets a Ctrl-C: the terminal's foreground process group (POSIX: the command too when
   * exprag is in the foreground), or every process on the console (Windows: always the command).
   */
  keyboardSignalsReach: "foreground-process-group" | "every-console-process";
  /** /proc/<pid>/stat and /proc/sys/kernel/random/boot_id, to tell a live run from a crashed one. */
  procFs: boolean;
  /**
   * Where Bun.main lies inside a compiled binary (its embedded file system): under `/$bunfs/`, or
   * under `~BUN` at the top of a drive (`B:\~BUN\`, either slash).
   */
  compiledMain: "/$bunfs/" | "drive:~BUN";
}

const linux: Platform = {
  name: "linux",
  libcNames: ["libc.so.6", "libc.so"],
  realPipes: true,
  pipe2: true,
  oCloexec: 0o2000000, // asm-generic/fcntl.h
  pipeSizeControl: true,
  fionread: 0x541b, // asm-generic/ioctls.h
  tiocgwinsz: 0x5413, // asm-generic/ioctls.h
  syncFileRange: true,
  inotify: true,
  pipePacing: true,
  recordFd: true,
  signals: POSIX_RELAYED_SIGNALS,
  sigactionHandlerOffset: 0, // glibc and musl: the handler union comes first
  ignoredSignalsTrampoline: true,
  keyboardSignalsReach: "foreground-process-group",
  procFs: true,
  compiledMain: "/$bunfs/",
};

/** macOS: the POSIX calls, without pipe2, pipe sizing, sync_file_range or /proc. */
const darwin: Platform = {
  ...linux,
  name: "darwin",
  libcNames: ["libSystem.B.dylib"],
  pipe2: false,
  oCloexec: 0x1000000, // sys/fcntl.h
  pipeSizeControl: false,
  fionread: 0x4004667f, // sys/filio.h: _IOR('f', 127, int)
  tiocgwinsz: 0x40087468, // sys/ttycom.h: _IOR('t', 104, struct winsize)
  syncFileRange: false,
  inotify: false,
  pipePacing: false,
  sigactionHandlerOffset: 0, // sys/signal.h: union __sigaction_u first
  procFs: false,
};

/** FreeBSD (no Bun build yet): as macOS, with its own libc. */
const freebsd: Platform = {
  ...darwin,
  name: "freebsd",
  libcNames: ["libc.so.7"],
  oCloexec: 0x100000, // sys/fcntl.h
};

/**
 * Windows: no libc to call, Bun's own pipes, no EXPRAG_FD, and only the signals Bun listens for
 * there (its Windows signal map holds SIGINT, SIGQUIT, SIGKILL and SIGTERM; nothing sends SIGQUIT).
 */
const win32: Platform = {
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
};

/** Another POSIX system: the signals exist, but no libc is known to call, so nothing beyond what Bun offers. */
const otherPosix: Platform = {
  ...darwin,
  libcNames: [],
  realPipes: false,
  oCloexec: null,
  fionread: null,
  tiocgwinsz: null,
  recordFd: false,
  sigactionHandlerOffset: null,
  ignoredSignalsTrampoline: false,
};

const known: Partial<Record<NodeJS.Platform, Platform>> = { linux, darwin, freebsd, win32 };

/** What platform `name` offers; one not known here gets only what Bun itself provides. */
export function platformFor(name: NodeJS.Platform): Platform {
  return known[name] ?? { ...otherPosix, name };
}

/** The platform exprag runs on. Code that decides by platform takes a `Platform`, defaulting to this. */
export const platform: Platform = platformFor(process.platform);

/** Whether `main` (Bun.main) is a file in a compiled binary's embedded file system. */
export function isCompiledMain(main: string, on: Platform = platform): boolean {
  // Without a regular expression: a run that compiles none starts about a millisecond sooner.
  if (on.compiledMain === "/$bunfs/") return main.startsWith("/$bunfs/");
  const slash = (at: number) => main[at] === "/" || main[at] === "\\";
  const letter = main.charCodeAt(0) | 0x20;
  return letter >= 0x61 && letter <= 0x7a && main[1] === ":" && slash(2) && main.slice(3, 7) === "~BUN" && slash(7);
}

/** How to start this exprag again: the binary, or bun and the script when not compiled. */
export function selfCommand(): string[] {
  return isCompiledMain(Bun.main) ? [process.execPath] : [process.execPath, Bun.main];
}
