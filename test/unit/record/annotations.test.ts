/**
 * A run's annotations as every reader reads them: each event once, in the order the events were
 * made, whatever order the lines are in (a pulled copy's lines come after ours, and so do those
 * moved from where an older store kept them); and moving an older store's file never loses a line
 * another process appends meanwhile.
 */
import { describe, expect, test } from "bun:test";
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { annotationsPath, legacyAnnotationsPath, readAnnotations, settleAnnotations } from "../../../src/core/record/annotations";
import { tempDir } from "../../temp-dir";

const RUN_ID = "01900000-0000-7000-8000-000000000001";

function runFileIn(store: string): string {
  mkdirSync(join(store, "runs"), { recursive: true });
  const file = join(store, "runs", `${RUN_ID}.jsonl`);
  writeFileSync(file, "");
  return file;
}

function event(kind: string, value: unknown, at: string): string {
  return `${JSON.stringify({ schema_version: 1, exprag_version: "0.1.0", run_id: RUN_ID, kind, value, created_at: at, author: { kind: "user", name: "ann" } })}\n`;
}

const T1 = "2026-01-01T00:00:01.000Z";
const T2 = "2026-01-01T00:00:02.000Z";
const T3 = "2026-01-01T00:00:03.000Z";

describe("reading a run's annotations", () => {
  test("a tag removed after it was given stays removed, whichever line comes first in the file", () => {
    const runFile = runFileIn(tempDir());
    mkdirSync(join(runFile, "..", "..", "annotations"));
    // Ours: untagged at T3; a pulled copy's line, appended after ours: tagged at T2.
    writeFileSync(annotationsPath(runFile), event("untag", { tags: ["x"] }, T3) + event("tag", { tags: ["x", "y"] }, T2));
    expect(readAnnotations(runFile).tags).toEqual(["y"]);
  });

  test("notes and decisions read oldest first, whichever line comes first", () => {
    const runFile = runFileIn(tempDir());
    mkdirSync(join(runFile, "..", "..", "annotations"));
    writeFileSync(
      annotationsPath(runFile),
      event("note", { text: "second" }, T2) +
        event("decision", { decision: "keep" }, T3) +
        event("note", { text: "first" }, T1) +
        event("decision", { decision: "discard" }, T1),
    );
    const read = readAnnotations(runFile);
    expect(read.notes.map((note) => note.text)).toEqual(["first", "second"]);
    expect(read.decisions.map((decision) => decision.decision)).toEqual(["discard", "keep"]);
    expect(read.decision?.decision).toBe("keep");
  });

  test("a line written twice counts once", () => {
    const runFile = runFileIn(tempDir());
    writeFileSync(legacyAnnotationsPath(runFile), event("note", { text: "once" }, T1));
    mkdirSync(join(runFile, "..", "..", "annotations"));
    writeFileSync(annotationsPath(runFile), event("note", { text: "once" }, T1) + event("note", { text: "once" }, T1));
    expect(readAnnotations(runFile).notes.map((note) => note.text)).toEqual(["once"]);
  });
});

describe("moving an older store's annotations", () => {
  test("the lines are appended to the run's annotations file, never written over it: a line appended meanwhile is kept", () => {
    const runFile = runFileIn(tempDir());
    const legacy = legacyAnnotationsPath(runFile);
    writeFileSync(legacy, event("tag", { tags: ["old"] }, T1));
    mkdirSync(join(runFile, "..", "..", "annotations"));
    const target = annotationsPath(runFile);
    writeFileSync(target, event("note", { text: "already moved" }, T2));
    const before = statSync(target).ino;
    // Another process has the file open to append a line, as appendLine does, while this one moves the old file.
    const fd = openSync(target, constants.O_WRONLY | constants.O_APPEND);
    try {
      expect(settleAnnotations(runFile)).toBe(target);
      writeSync(fd, event("note", { text: "appended meanwhile" }, T3));
    } finally {
      closeSync(fd);
    }
    expect(existsSync(legacy)).toBe(false);
    expect(statSync(target).ino).toBe(before);
    const read = readAnnotations(runFile);
    expect(read.tags).toEqual(["old"]);
    expect(read.notes.map((note) => note.text)).toEqual(["already moved", "appended meanwhile"]);
  });

  test("moved twice (two processes at once, or a move cut short before the old file was removed): each line still counts once", () => {
    const runFile = runFileIn(tempDir());
    const legacy = legacyAnnotationsPath(runFile);
    const old = event("tag", { tags: ["old"] }, T1) + event("note", { text: "kept the old way" }, T1);
    writeFileSync(legacy, old);
    settleAnnotations(runFile);
    writeFileSync(legacy, old);
    settleAnnotations(runFile);
    expect(readFileSync(annotationsPath(runFile), "utf8")).toBe(old);
    expect(readAnnotations(runFile).notes.map((note) => note.text)).toEqual(["kept the old way"]);
  });

  test("an old file without its last newline is moved whole", () => {
    const runFile = runFileIn(tempDir());
    writeFileSync(legacyAnnotationsPath(runFile), event("note", { text: "a" }, T1) + event("note", { text: "b" }, T2).trimEnd());
    mkdirSync(join(runFile, "..", "..", "annotations"));
    writeFileSync(annotationsPath(runFile), event("note", { text: "c" }, T3).trimEnd());
    settleAnnotations(runFile);
    expect(readAnnotations(runFile).notes.map((note) => note.text)).toEqual(["a", "b", "c"]);
  });
});
