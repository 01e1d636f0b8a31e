import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../../src/core/errors";
import { buildMetadata } from "../../../src/core/run/metadata";
import { tempDir } from "../../temp-dir";

describe("buildMetadata", () => {
  test("nests dotted keys and parses JSON values", () => {
    expect(buildMetadata(undefined, ["hparams.lr=0.03", "hparams.layers=[64,64]", "tag=baseline", "on=true", "eq=a=b"])).toEqual({
      hparams: { lr: 0.03, layers: [64, 64] },
      tag: "baseline",
      on: true,
      eq: "a=b",
    });
  });

  test("keeps an empty value as the empty string", () => {
    expect(buildMetadata(undefined, ["note="])).toEqual({ note: "" });
  });

  test("starts from --meta-file and lets --meta override", () => {
    const dir = tempDir("exprag-meta-");
    const file = join(dir, "meta.json");
    writeFileSync(file, JSON.stringify({ hparams: { lr: 1, bs: 32 }, seed: 1 }));
    expect(buildMetadata(file, ["hparams.lr=0.5"])).toEqual({ hparams: { lr: 0.5, bs: 32 }, seed: 1 });
  });

  test("treats __proto__ as a plain key", () => {
    const metadata = buildMetadata(undefined, ["__proto__.polluted=1"]);
    expect(JSON.stringify(metadata)).toBe('{"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([["novalue"], ["=1"], ["a..b=1"], ["a.=1"]])("rejects the malformed assignment %s with a usage error", (assignment) => {
    expect(() => buildMetadata(undefined, [assignment])).toThrow(UserError);
    try {
      buildMetadata(undefined, [assignment]);
    } catch (error) {
      expect((error as UserError).exitCode).toBe(2);
      expect((error as UserError).message).toContain(assignment);
    }
  });

  test("a number too large to be finite is kept as the string the store writes, not lost as null", () => {
    expect(JSON.stringify(buildMetadata(undefined, ["y=1e999", "z=-1e999", "w=[1e400]"]))).toBe('{"y":"Infinity","z":"-Infinity","w":["Infinity"]}');
  });

  test("refuses to nest under a value that is not an object", () => {
    expect(() => buildMetadata(undefined, ["a=1", "a.b=2"])).toThrow('--meta a.b: "a" already holds a value that is not an object');
  });

  test("names the meta file that is missing, not JSON, or not an object", () => {
    const dir = tempDir("exprag-meta-");
    expect(() => buildMetadata(join(dir, "none.json"), [])).toThrow(/cannot read --meta-file .*none\.json \(ENOENT\)/);
    writeFileSync(join(dir, "bad.json"), "{");
    expect(() => buildMetadata(join(dir, "bad.json"), [])).toThrow(/bad\.json is not valid JSON/);
    writeFileSync(join(dir, "list.json"), "[1]");
    expect(() => buildMetadata(join(dir, "list.json"), [])).toThrow(/must hold a JSON object/);
  });
});
