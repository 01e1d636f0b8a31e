/**
 * A run's `host.os` and `host.arch` in the original exprag's words (Rust's: `x86_64`, `aarch64`,
 * `macos`, `windows`), so that one question about the machine finds the runs of every release.
 * The runtime's own names (`x64`, `arm64`, `darwin`, `win32`), which earlier releases of this
 * exprag wrote, read as the same machine.
 */
const ARCH_NAMES = new Map([
  ["x64", "x86_64"],
  ["arm64", "aarch64"],
  ["ia32", "x86"],
  ["loong64", "loongarch64"],
  ["ppc", "powerpc"],
  ["ppc64", "powerpc64"],
  ["mipsel", "mips"],
]);

const OS_NAMES = new Map([
  ["darwin", "macos"],
  ["win32", "windows"],
  ["sunos", "solaris"],
]);

export const archName = (arch: string): string => ARCH_NAMES.get(arch) ?? arch;

export const osName = (os: string): string => OS_NAMES.get(os) ?? os;
