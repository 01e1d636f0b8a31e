/**
 * The few POSIX calls Bun does not expose: real pipes (Bun's own "pipe" is a socket pair, on which
 * `open("/dev/stdout")` fails with ENXIO and writes are not atomic), signal dispositions, and the
 * terminal's foreground process group. Loaded lazily; every function degrades to null off POSIX.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const O_CLOEXEC = process.platform === "darwin" ? 0x1000000 : 0o2000000;
const F_SETPIPE_SZ = 1031;
/** Larger than the default 64 KiB: fewer reads for a fast writer, and still small chunks in memory. */
const PIPE_BYTES = 256 * 1024;
const SIG_IGN = 1;

const symbols = {
  pipe: { args: [FFIType.ptr], returns: FFIType.i32 },
  pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  sync_file_range: { args: [FFIType.i32, FFIType.i64, FFIType.i64, FFIType.u32], returns: FFIType.i32 },
  fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sigaction: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  signal: { args: [FFIType.i32, FFIType.u64], returns: FFIType.u64 },
  execv: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  getpgrp: { args: [], returns: FFIType.i32 },
  isatty: { args: [FFIType.i32], returns: FFIType.i32 },
  ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
  tcgetpgrp: { args: [FFIType.i32], returns: FFIType.i32 },
} as const;

type Libc = ReturnType<typeof dlopen<typeof symbols>>["symbols"];

const libcNames: Record<string, string[]> = {
  linux: ["libc.so.6", "libc.so"],
  darwin: ["libSystem.B.dylib"],
  freebsd: ["libc.so.7"],
};

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  for (const name of libcNames[process.platform] ?? []) {
    try {
      // pipe2 and sync_file_range are Linux-only; elsewhere dlopen would fail on them
      const { pipe2, sync_file_range, ...portable } = symbols;
      const wanted = process.platform === "linux" ? symbols : portable;
      libc = dlopen(name, wanted as typeof symbols).symbols;
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
  const c = loadLibc();
  if (!c) return null;
  const fds = new Int32Array(2);
  if (process.platform === "linux") {
    if (c.pipe2(ptr(fds), O_CLOEXEC) !== 0) return null;
    c.fcntl(fds[0]!, F_SETPIPE_SZ, PIPE_BYTES);
  } else if (c.pipe(ptr(fds)) !== 0) {
    return null;
  }
  return [fds[0]!, fds[1]!];
}

/** Whether signal `signo` is ignored (SIG_IGN) in this process, e.g. SIGHUP under `nohup`. */
export function isSignalIgnored(signo: number): boolean {
  const c = loadLibc();
  if (!c) return false;
  // struct sigaction starts with the handler on Linux and macOS; 256 bytes covers every layout.
  const old = new BigUint64Array(32);
  if (c.sigaction(signo, null, ptr(old)) !== 0) return false;
  return old[0] === BigInt(SIG_IGN);
}

/**
 * Starts writing `[offset, offset + length)` of a file to disk without waiting (Linux), so a
 * later fsync has little left to wait for. Elsewhere it does nothing.
 */
export function startWriteback(fd: number, offset: number, length: number): void {
  if (process.platform !== "linux") return;
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
  if (process.platform !== "linux") return null;
  const c = loadLibc();
  if (!c) return null;
  const F_GETPIPE_SZ = 1032;
  const FIONREAD = 0x541b;
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
  if (process.platform === "linux") loadLibc()?.fcntl(fd, F_SETPIPE_SZ, bytes);
}

/** Whether `fd` is a terminal. (node:tty would answer too, but loading it costs milliseconds of start-up.) */
export function isTerminal(fd: number): boolean {
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
  const c = loadLibc();
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
