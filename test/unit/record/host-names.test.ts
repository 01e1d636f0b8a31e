import { describe, expect, test } from "bun:test";
import { decodeRunStart, parseRecord } from "../../../src/core/record/decode";
import { archName, osName } from "../../../src/core/record/host-names";
import { hostInfo } from "../../../src/core/run/context";

const runStartWithHost = (host: object) =>
  decodeRunStart(parseRecord(JSON.stringify({ kind: "run_start", run_id: "r", experiment_name: "e", value: { host } }))!);

describe("a run's machine, in the original exprag's words", () => {
  test("the runtime's names map to Rust's; names it does not know stay as they are", () => {
    expect([archName("x64"), archName("arm64"), archName("ia32"), archName("riscv64")]).toEqual(["x86_64", "aarch64", "x86", "riscv64"]);
    expect([osName("darwin"), osName("win32"), osName("linux"), osName("freebsd")]).toEqual(["macos", "windows", "linux", "freebsd"]);
    expect([archName("constructor"), osName("__proto__")]).toEqual(["constructor", "__proto__"]);
  });

  test("a new run writes them, so its host reads as the original's runs on the same machine", () => {
    const host = hostInfo();
    expect(host.arch).toBe(archName(process.arch));
    expect(host.os).toBe(osName(process.platform));
    if (process.arch === "x64") expect(host.arch).toBe("x86_64");
    if (process.platform === "linux") expect(host.os).toBe("linux");
  });

  test("a run an earlier release wrote with the runtime's names reads as the same machine", () => {
    expect(runStartWithHost({ os: "darwin", arch: "arm64" }).host).toMatchObject({ os: "macos", arch: "aarch64" });
    expect(runStartWithHost({ os: "linux", arch: "x86_64" }).host).toMatchObject({ os: "linux", arch: "x86_64" });
  });
});
