/**
 * The few POSIX calls Bun does not expose: real pipes (Bun's own "pipe" is a socket pair, on which
 * `open("/dev/stdout")` fails with ENXIO and writes are not atomic), signal dispositions, the
 * terminal's foreground process group, and the local time as the C library (and so git) tells it.
 * Loaded lazily; what `platform` does not offer is not called (on Windows libc is never loaded)
 * and every function degrades to null or false.
 */
import type { dlopen } from "bun:ffi";
import { type Platform, platform } from "./platform";

/** bun:ffi, loaded with libc: a command that never calls libc (`--version`, a query to a pipe) starts without it. */
const ffi = () => require("bun:ffi") as typeof import("bun:ffi");
const ptr: typeof import("bun:ffi").ptr = (value, byteOffset) => ffi().ptr(value, byteOffset);

const F_SETFD = 2;
const FD_CLOEXEC = 1;
const F_SETPIPE_SZ = 1031;
/** Larger than the default 64 KiB: fewer reads for a fast writer, and still small chunks in memory. */
const PIPE_BYTES = 256 * 1024;
const SIG_IGN = 1;

const symbols = {
  pipe: { args: ["ptr"], returns: "i32" },
  pipe2: { args: ["ptr", "i32"], returns: "i32" },
  sync_file_range: { args: ["i32", "i64", "i64", "u32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  sigaction: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  signal: { args: ["i32", "u64"], returns: "u64" },
  execv: { args: ["ptr", "ptr"], returns: "i32" },
  getpgrp: { args: [], returns: "i32" },
  isatty: { args: ["i32"], returns: "i32" },
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
  tcgetpgrp: { args: ["i32"], returns: "i32" },
  inotify_init1: { args: ["i32"], returns: "i32" },
  inotify_add_watch: { args: ["i32", "ptr", "u32"], returns: "i32" },
  inotify_rm_watch: { args: ["i32", "i32"], returns: "i32" },
  localtime_r: { args: ["ptr", "ptr"], returns: "ptr" },
  getenv: { args: ["ptr"], returns: "ptr" },
} as const;

type Libc = ReturnType<typeof dlopen<typeof symbols>>["symbols"];

/** The libc symbols to bind on platform `on`: dlopen fails on a symbol the library lacks. */
export function libcSymbolNames(on: Platform): (keyof typeof symbols)[] {
  if (on.libcNames.length === 0) return [];
  return (Object.keys(symbols) as (keyof typeof symbols)[]).filter(
    (name) => (name !== "pipe2" || on.pipe2) && (name !== "sync_file_range" || on.syncFileRange) && (!name.startsWith("inotify_") || on.inotify),
  );
}

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  const wanted = Object.fromEntries(libcSymbolNames(platform).map((name) => [name, symbols[name]]));
  for (const name of platform.libcNames) {
    try {
      libc = ffi().dlopen(name, wanted as typeof symbols).symbols;
      break;
    } catch {
      // try the next name
    }
  }
  return libc;
}

/**
 * A real pipe: [readFd, writeFd]. Both ends close on exec; the child gets the write end through
 * its stdio, which clears that. On Linux the pipe is enlarged to 256 KiB when allowed.
 */
export function createPipe(): [number, number] | null {
  if (!platform.realPipes) return null;
  const c = loadLibc();
  if (!c) return null;
  const fds = new Int32Array(2);
  if (platform.pipe2 && platform.oCloexec !== null) {
    if (c.pipe2(ptr(fds), platform.oCloexec) !== 0) return null;
  } else {
    // macOS has no pipe2: mark both ends close-on-exec right after
    if (c.pipe(ptr(fds)) !== 0) return null;
    for (const fd of fds) c.fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (platform.pipeSizeControl) c.fcntl(fds[0]!, F_SETPIPE_SZ, PIPE_BYTES);
  return [fds[0]!, fds[1]!];
}

/** Whether signal `signo` is ignored (SIG_IGN) in this process, e.g. SIGHUP under `nohup`. */
export function isSignalIgnored(signo: number): boolean {
  const offset = platform.sigactionHandlerOffset;
  const c = loadLibc();
  if (!c || offset === null) return false;
  // 256 bytes covers every layout of struct sigaction (glibc's is 152, macOS's 16).
  const old = new BigUint64Array(32);
  if (c.sigaction(signo, null, ptr(old)) !== 0) return false;
  return old[offset / 8] === BigInt(SIG_IGN);
}

/**
 * Starts writing `[offset, offset + length)` of a file to disk without waiting (Linux), so a
 * later fsync has little left to wait for. Elsewhere it does nothing.
 */
export function startWriteback(fd: number, offset: number, length: number): void {
  if (!platform.syncFileRange) return;
  const SYNC_FILE_RANGE_WRITE = 2;
  loadLibc()?.sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}

/**
 * How many bytes pipe `fd` surely takes now without blocking (Linux): all of its capacity when it
 * is empty; else one page when poll says a page slot is free. (Capacity less the unread bytes
 * would overstate it: a write that does not fit the last page's remainder starts a new slot, so
 * partly filled pages use slots up.) Null where this cannot be known.
 */
export function pipeRoom(fd: number): number | null {
  const FIONREAD = platform.fionread;
  if (!platform.pipePacing || FIONREAD === null) return null;
  const c = loadLibc();
  if (!c) return null;
  const F_GETPIPE_SZ = 1032;
  const PAGE = 4096;
  const POLLOUT = 4;
  const capacity = c.fcntl(fd, F_GETPIPE_SZ, 0);
  const unread = new Int32Array(1);
  if (capacity < 0 || c.ioctl(fd, FIONREAD, ptr(unread)) !== 0) return null;
  if (unread[0] === 0) return capacity;
  const POLLERR = 8;
  const POLLHUP = 16;
  const pollfd = new Int32Array([fd, POLLOUT]); // struct pollfd { int fd; short events; short revents; }
  if (c.poll(ptr(pollfd), 1, 0) !== 1) return 0;
  // Writable, or the reader is gone: then the write fails at once with EPIPE, which must be seen.
  return (pollfd[1]! >>> 16) & (POLLOUT | POLLERR | POLLHUP) ? PAGE : 0;
}

/** Asks for a bigger buffer in pipe `fd` (Linux; refused quietly beyond the system's limit). */
export function enlargePipe(fd: number, bytes: number): void {
  if (platform.pipeSizeControl) loadLibc()?.fcntl(fd, F_SETPIPE_SZ, bytes);
}

/**
 * Whether `fd` is a terminal: through libc's isatty where there is one (loading node:tty costs
 * milliseconds of start-up), else through node:tty (Windows).
 */
export function isTerminal(fd: number): boolean {
  if (platform.libcNames.length === 0) return (require("node:tty") as typeof import("node:tty")).isatty(fd);
  const c = loadLibc();
  return c !== null && c.isatty(fd) === 1;
}

/** Whether this process is in the foreground process group of the terminal on `fd`. */
export function isForegroundOfTerminal(fd: number): boolean {
  const c = loadLibc();
  if (!c) return false;
  const foreground = c.tcgetpgrp(fd);
  return foreground > 0 && foreground === c.getpgrp();
}

/**
 * Replace this process with `argv` (argv[0] a path, no PATH search, no /bin/sh fallback), with `ignored` signals set to SIG_IGN and the signals this
 * runtime ignores for itself (SIGPIPE, SIGXFSZ) put back to default unless listed. Returns only
 * when the exec failed.
 */
export function execIgnoring(argv: string[], ignored: number[], runtimeIgnored: number[]): void {
  const c = platform.ignoredSignalsTrampoline ? loadLibc() : null;
  if (!c) return;
  for (const signo of runtimeIgnored) if (!ignored.includes(signo)) c.signal(signo, 0n);
  for (const signo of ignored) c.signal(signo, BigInt(SIG_IGN));
  const strings = argv.map((arg) => Buffer.from(`${arg}\0`));
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    pointers[i] = BigInt(ptr(s));
  });
  c.execv(ptr(strings[0]!), ptr(pointers));
}

/** The size of the terminal on `fd` in cells (ioctl TIOCGWINSZ), or null when it is none or does not say. */
export function terminalSize(fd: number): { columns: number; rows: number } | null {
  const request = platform.tiocgwinsz;
  if (request === null) {
    if (platform.libcNames.length > 0) return null;
    const stream = fd === 2 ? process.stderr : process.stdout;
    return stream.columns ? { columns: stream.columns, rows: stream.rows ?? 0 } : null;
  }
  const c = loadLibc();
  const size = new Uint16Array(4); // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
  if (c?.ioctl(fd, request, ptr(size)) !== 0 || size[1] === 0) return null;
  return { columns: size[1]!, rows: size[0]! };
}

/** IN_NONBLOCK | IN_CLOEXEC (linux/inotify.h: O_NONBLOCK and O_CLOEXEC): the command never inherits it. */
const INOTIFY_FLAGS = 0o4000 | 0o2000000;

/** A new inotify(7) descriptor, non-blocking and closed on exec; null where there is none. */
export function inotifyInit(): number | null {
  if (!platform.inotify) return null;
  const fd = loadLibc()?.inotify_init1(INOTIFY_FLAGS) ?? -1;
  return fd >= 0 ? fd : null;
}

/** Watches `path` for `mask` on inotify descriptor `fd`: the watch's number, or null when refused. */
export function inotifyAddWatch(fd: number, path: string, mask: number): number | null {
  const c = loadLibc();
  if (!c) return null;
  const path0 = cString(path);
  const wd = path0 === null ? -1 : c.inotify_add_watch(fd, path0, mask);
  return wd >= 0 ? wd : null;
}

/** PATH_MAX on Linux, the one system inotify is used on: a longer path is refused by the kernel. */
const PATH_MAX = 4096;

let scratch: { buffer: Buffer; pointer: import("bun:ffi").Pointer } | null = null;

/**
 * `text` as a C string, in one buffer kept for the process and overwritten by the next call (a
 * watch set on every folder of a work tree would otherwise allocate and pin a buffer a folder);
 * null for a path longer than PATH_MAX, which no call takes.
 */
function cString(text: string): import("bun:ffi").Pointer | null {
  if (Buffer.byteLength(text) >= PATH_MAX) return null;
  if (scratch === null) {
    const buffer = Buffer.alloc(PATH_MAX);
    scratch = { buffer, pointer: ptr(buffer) };
  }
  scratch.buffer[scratch.buffer.write(text, 0)] = 0;
  return scratch.pointer;
}

/** Gives back watch `wd` of inotify descriptor `fd`. */
export function inotifyRmWatch(fd: number, wd: number): void {
  loadLibc()?.inotify_rm_watch(fd, wd);
}

/**
 * The local time zone's offset from UTC at `seconds` since the epoch, in seconds, as git reckons
 * it for a commit's date: the C library's local time (TZ, else the system's zone) read back as UTC,
 * less `seconds`. This runtime's own zone data can differ from the C library's (a POSIX rule in TZ)
 * and costs tens of milliseconds to load. Null where there is no C library to ask.
 */
export function utcOffsetSeconds(seconds: number): number | null {
  const c = loadLibc();
  if (!c) return null;
  const time = new BigInt64Array([BigInt(seconds)]);
  const tm = new Int32Array(16); // struct tm: tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year first (64 bytes cover every layout)
  if (!c.localtime_r(ptr(time), ptr(tm))) return null;
  const [sec, min, hour, day, month, year] = tm;
  return Date.UTC(1900 + year!, month!, day!, hour!, min!, sec!) / 1000 - seconds;
}

/**
 * The time zone the C library reads local time in (see utcOffsetSeconds): its own environment's
 * TZ, which is the process's as it started (changing process.env does not reach it); undefined
 * when unset, null where there is no C library to ask.
 */
export function libcTimeZone(): string | undefined | null {
  const c = loadLibc();
  if (!c) return null;
  const value = c.getenv(ptr(Buffer.from("TZ\0")));
  return value ? new (ffi().CString)(value).toString() : undefined;
}
