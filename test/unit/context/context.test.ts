import { describe, expect, test } from "bun:test";
import { visibleGpus } from "../../../src/core/context/gpu-monitor";
import { parseGpuList, parseRocmList } from "../../../src/core/context/gpus";
import { normalizePackageName } from "../../../src/core/context/python-environment";
import { sumTree } from "../../../src/core/os/process-tree";
import { environmentFact, environmentFacts } from "../../../src/core/query/environment";

const MIB = 1024 * 1024;

describe("the environment and system metrics, piece by piece", () => {
  test.each([
    ["Scikit_Learn", "scikit-learn"],
    ["zope.interface", "zope-interface"],
    ["Foo__Bar--baz", "foo-bar-baz"],
    ["torch", "torch"],
  ])("package name %p is %p", (name, normalised) => {
    expect(normalizePackageName(name)).toBe(normalised);
  });

  test("nvidia-smi's GPU list, lines that do not read left out", () => {
    const text = "0, NVIDIA A100-SXM4-80GB, 81920, 535.104.05\n1, NVIDIA A100-SXM4-80GB, [N/A], 535.104.05\nNo devices were found\n, x, 1, 2\n";
    expect(parseGpuList(text, "12.2")).toEqual([
      { index: 0, name: "NVIDIA A100-SXM4-80GB", memory_total_bytes: 81920 * MIB, driver: "535.104.05", cuda: "12.2" },
      { index: 1, name: "NVIDIA A100-SXM4-80GB", memory_total_bytes: null, driver: "535.104.05", cuda: "12.2" },
    ]);
  });

  test("rocm-smi's JSON: cards by number, the driver from its system part; anything else left out", () => {
    const answer = {
      card0: { "Card series": "Instinct MI210", "Card model": "0x740f", "VRAM Total Memory (B)": "68702699520" },
      card1: { "Card model": "0x740f" },
      card2: "not an object",
      system: { "Driver version": "6.2.4" },
    };
    expect(parseRocmList(answer)).toEqual([
      { index: 0, name: "Instinct MI210", memory_total_bytes: 68702699520, driver: "6.2.4", cuda: null },
      { index: 1, name: "0x740f", memory_total_bytes: null, driver: "6.2.4", cuda: null },
    ]);
    expect(parseRocmList(null)).toEqual([]);
  });

  test.each([
    [undefined, null],
    ["0,2", [0, 2]],
    ["", []],
    ["GPU-8f1e2d3c-aaaa", null],
  ])("CUDA_VISIBLE_DEVICES=%p samples %p", (value, expected) => {
    expect(visibleGpus(value === undefined ? {} : { CUDA_VISIBLE_DEVICES: value })).toEqual(expected);
  });

  test("a process tree is the root and every descendant; others and a loop are not counted twice", () => {
    const table = [
      { pid: 10, ppid: 1, rssBytes: 100, cpuSeconds: 1 },
      { pid: 11, ppid: 10, rssBytes: 200, cpuSeconds: 2 },
      { pid: 12, ppid: 11, rssBytes: 300, cpuSeconds: 3 },
      { pid: 13, ppid: 1, rssBytes: 999, cpuSeconds: 9 },
      { pid: 14, ppid: 14, rssBytes: 5, cpuSeconds: 5 },
    ];
    expect(sumTree(10, table)).toEqual({ processes: 3, rss_bytes: 600, cpu_seconds: 6 });
    expect(sumTree(14, table)).toEqual({ processes: 1, rss_bytes: 5, cpu_seconds: 5 });
    expect(sumTree(99, table)).toBeNull();
  });

  test("env.X names a package by any spelling, python, or a GPU", () => {
    const facts = environmentFacts({
      python: { version: "3.11.4", executable: "/v/bin/python", prefix: "/v", kind: "virtualenv", packages: { "scikit-learn": "1.5.0", torch: "2.4.0" } },
      gpus: [{ index: 0, name: "A100", memory_total_bytes: 80 * MIB, driver: "535", cuda: "12.2" }],
    });
    expect(environmentFact(facts, "torch")).toBe("2.4.0");
    expect(environmentFact(facts, "scikit_learn")).toBe("1.5.0");
    expect(environmentFact(facts, "python")).toBe("3.11.4");
    expect(environmentFact(facts, "gpu0")).toBe("A100");
    expect(environmentFact(facts, "cuda")).toBe("12.2");
    expect(environmentFact(facts, "jax")).toBeUndefined();
  });
});
