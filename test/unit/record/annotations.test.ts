/**
 * A run's annotations as every reader reads them: each event once, in the order the events were
 * made, whatever order the lines are in (a pulled copy's lines come after ours, and so do those
 * moved from where an older store kept them); and moving an older store's file never loses a line
 * another process appends meanwhile.
 */
import { describe, expect, test } from "bun:test";
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../../src/core/errors";
import { annotationsPath, appendAnnotation, legacyAnnotationsPath, readAnnotations, settleAnnotations } from "../../../src/core/record/annotations";
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

  test("a FIFO in an annotations file's place holds no annotations, and reading it does not wait", () => {
    const runFile = runFileIn(tempDir());
    mkdirSync(join(runFile, "..", "..", "annotations"));
    expect(Bun.spawnSync(["mkfifo", annotationsPath(runFile)]).exitCode).toBe(0);
    writeFileSync(legacyAnnotationsPath(runFile), event("tag", { tags: ["old"] }, T1));
    expect(readAnnotations(runFile).tags).toEqual(["old"]);
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

  test("an old file that is a FIFO is refused, not read (reading it would wait for ever): one error, nothing moved", () => {
    const runFile = runFileIn(tempDir());
    const legacy = legacyAnnotationsPath(runFile);
    expect(Bun.spawnSync(["mkfifo", legacy]).exitCode).toBe(0);
    expect(() => settleAnnotations(runFile)).toThrow(/is not a regular file/);
    expect(existsSync(legacy)).toBe(true);
    expect(existsSync(annotationsPath(runFile))).toBe(false);
  });

  test("an old file that is a link is left where it is, and what it names is not read", () => {
    const store = tempDir();
    const runFile = runFileIn(store);
    const elsewhere = join(store, "secret.txt");
    writeFileSync(elsewhere, event("note", { text: "not this run's" }, T1));
    symlinkSync(elsewhere, legacyAnnotationsPath(runFile));
    settleAnnotations(runFile);
    expect(existsSync(annotationsPath(runFile))).toBe(false);
    expect(readAnnotations(runFile).notes).toEqual([]);
  });

  test("a FIFO where the run's annotations go is refused, not written into (opening it would wait for a reader)", () => {
    const runFile = runFileIn(tempDir());
    mkdirSync(join(runFile, "..", "..", "annotations"));
    expect(Bun.spawnSync(["mkfifo", annotationsPath(runFile)]).exitCode).toBe(0);
    const tagging = () => appendAnnotation(runFile, RUN_ID, { kind: "tag", tags: ["x"] }, { kind: "user", name: "ann" });
    expect(tagging).toThrow(/is not a regular file/);
  });

  test("an old file moved toward a FIFO in the run's annotations file's place: refused with one line, the old file kept", () => {
    const runFile = runFileIn(tempDir());
    const legacy = legacyAnnotationsPath(runFile);
    writeFileSync(legacy, event("tag", { tags: ["old"] }, T1));
    mkdirSync(join(runFile, "..", "..", "annotations"));
    expect(Bun.spawnSync(["mkfifo", annotationsPath(runFile)]).exitCode).toBe(0);
    // One line for the user (exit 1), not an internal error: a UserError naming the file.
    expect(() => settleAnnotations(runFile)).toThrow(UserError);
    expect(() => settleAnnotations(runFile)).toThrow(`${annotationsPath(runFile)} is not a regular file`);
    expect(readFileSync(legacy, "utf8")).toBe(event("tag", { tags: ["old"] }, T1));
  });
});
