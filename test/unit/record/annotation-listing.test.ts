import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnnotationListing, annotationFiles, readAnnotations } from "../../../src/core/record/annotations";

const root = mkdtempSync(join(tmpdir(), "exprag-listing-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const id = "019a0000-0000-7000-8000-000000000001";
const tag = (tags: string[]) =>
  `{"schema_version":1,"run_id":"${id}","kind":"tag","value":{"tags":${JSON.stringify(tags)}},"created_at":"2026-01-01T00:00:00.000Z","elapsed_ms":0}\n`;

function store(name: string): { store: string; runFile: string } {
  const at = join(root, name);
  mkdirSync(join(at, "runs"), { recursive: true });
  const runFile = join(at, "runs", `${id}.jsonl`);
  writeFileSync(runFile, "");
  return { store: at, runFile };
}

describe("AnnotationListing", () => {
  test("a store without annotation files is empty: a run has none, as when each file is looked for", () => {
    const { store: at, runFile } = store("none");
    const listing = new AnnotationListing(at);
    expect(listing.isEmpty()).toBe(true);
    expect(annotationFiles(runFile, listing)).toEqual([]);
    expect(readAnnotations(runFile, ["queued"], listing)).toEqual(readAnnotations(runFile, ["queued"]));
  });

  test("a file listed, then removed before it is read (exprag rm meanwhile), is a run without annotations, not an error", () => {
    const { store: at, runFile } = store("removed");
    mkdirSync(join(at, "annotations"));
    writeFileSync(join(at, "annotations", `${id}.jsonl`), tag(["a"]));
    const listing = new AnnotationListing(at);
    expect(listing.isEmpty()).toBe(false);
    rmSync(join(at, "annotations", `${id}.jsonl`));
    expect(readAnnotations(runFile, ["queued"], listing)).toEqual({ tags: ["queued"], notes: [], decision: null, decisions: [] });
  });

  test("annotation files, in either place, make it not empty and are found", () => {
    const { store: at, runFile } = store("some");
    mkdirSync(join(at, "annotations"));
    writeFileSync(join(at, "annotations", `${id}.jsonl`), tag(["a"]));
    writeFileSync(join(at, "runs", `${id}.annotations.jsonl`), tag(["b"]));
    const listing = new AnnotationListing(at);
    expect(listing.isEmpty()).toBe(false);
    expect(readAnnotations(runFile, [], listing).tags.sort()).toEqual(["a", "b"]);
    expect(readAnnotations(runFile, [], listing)).toEqual(readAnnotations(runFile));
  });

  test.skipIf(process.getuid?.() === 0)("a folder that cannot be listed is not taken for empty: each file is looked for", () => {
    const { store: at, runFile } = store("unreadable");
    mkdirSync(join(at, "annotations"));
    writeFileSync(join(at, "annotations", `${id}.jsonl`), tag(["c"]));
    chmodSync(join(at, "annotations"), 0o300);
    try {
      const listing = new AnnotationListing(at);
      expect(listing.isEmpty()).toBe(false);
      expect(readAnnotations(runFile, [], listing).tags).toEqual(["c"]);
    } finally {
      chmodSync(join(at, "annotations"), 0o700);
    }
  });
});
