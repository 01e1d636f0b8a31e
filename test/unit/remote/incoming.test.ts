import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../../src/core/errors";
import { mergeAnnotations, placeFile, Staging } from "../../../src/core/remote/incoming";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function store(): string {
  const dir = mkdtempSync(join(tmpdir(), "exprag-incoming-"));
  made.push(dir);
  mkdirSync(join(dir, "runs"));
  return dir;
}

function staged(staging: Staging, name: string, content: string): string {
  writeFileSync(staging.create(name), content);
  return staging.path(name);
}

describe("placing a pulled file", () => {
  test.each([
    ["missing here: put in place", null, "abc\n", "new", "abc\n"],
    ["the same", "abc\n", "abc\n", "same", "abc\n"],
    ["the local file is the start of the pulled one: it grew", "abc\n", "abc\ndef\n", "grown", "abc\ndef\n"],
    ["the pulled one is the start of the local file: kept", "abc\ndef\n", "abc\n", "ahead", "abc\ndef\n"],
    ["neither extends the other: kept", "abc\nxyz\n", "abc\ndef\n", "diverged", "abc\nxyz\n"],
  ])("%s", (_, local, pulled, placement, after) => {
    const dir = store();
    const staging = new Staging(dir);
    const target = join(dir, "runs", "run.jsonl");
    if (local !== null) writeFileSync(target, local);
    expect(placeFile(staged(staging, "run.jsonl", pulled), target)).toBe(placement as never);
    expect(readFileSync(target, "utf8")).toBe(after);
    staging.remove();
    expect(existsSync(staging.store)).toBe(false);
  });

  test("a link where the file would go is left alone, and so is what it points to", () => {
    const dir = store();
    const staging = new Staging(dir);
    const victim = join(dir, "victim");
    writeFileSync(victim, "abc\n");
    const target = join(dir, "runs", "run.jsonl");
    symlinkSync(victim, target);
    expect(placeFile(staged(staging, "run.jsonl", "abc\ndef\n"), target)).toBe("not a regular file");
    expect(readFileSync(victim, "utf8")).toBe("abc\n");
    expect(lstatSync(target).isSymbolicLink()).toBe(true);
  });

  test("staged files are new files, mode 0600, in a folder of mode 0700", () => {
    const staging = new Staging(store());
    const path = staged(staging, "x.jsonl", "x");
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(lstatSync(staging.store).mode & 0o777).toBe(0o700);
    expect(() => staging.create("x.jsonl")).toThrow();
  });
});

describe("merging annotations", () => {
  test("every local line, then the pulled lines it lacks, in their order", () => {
    const dir = store();
    const staging = new Staging(dir);
    const target = join(dir, "runs", "a.annotations.jsonl");
    writeFileSync(target, "L1\nS\nL2\n");
    expect(mergeAnnotations(staged(staging, "a", "R1\nS\nL2\nR2\nR1\n"), target)).toBe(2);
    expect(readFileSync(target, "utf8")).toBe("L1\nS\nL2\nR1\nR2\n");
    expect(mergeAnnotations(staged(staging, "b", "R2\nL1\n"), target)).toBe(0);
  });

  test("a local file without its last newline gets one before the new lines; a missing one is created", () => {
    const dir = store();
    const staging = new Staging(dir);
    const torn = join(dir, "runs", "torn.annotations.jsonl");
    writeFileSync(torn, "L1");
    mergeAnnotations(staged(staging, "a", "R1\n"), torn);
    expect(readFileSync(torn, "utf8")).toBe("L1\nR1\n");
    const created = join(dir, "runs", "new.annotations.jsonl");
    expect(mergeAnnotations(staged(staging, "b", "R1\n\nR2"), created)).toBe(2);
    expect(readFileSync(created, "utf8")).toBe("R1\nR2\n");
    expect(lstatSync(created).mode & 0o777).toBe(0o600);
  });

  test("never appends through a link", () => {
    const dir = store();
    const staging = new Staging(dir);
    const victim = join(dir, "victim");
    writeFileSync(victim, "v\n");
    const target = join(dir, "runs", "a.annotations.jsonl");
    symlinkSync(victim, target);
    expect(() => mergeAnnotations(staged(staging, "a", "R1\n"), target)).toThrow();
    expect(readFileSync(victim, "utf8")).toBe("v\n");
  });

  test("never writes into a FIFO in the file's place: an error that names it", () => {
    const dir = store();
    const staging = new Staging(dir);
    const target = join(dir, "runs", "a.annotations.jsonl");
    expect(Bun.spawnSync(["mkfifo", target]).exitCode).toBe(0);
    // One line for the user (exit 1), not an internal error: a UserError naming the file.
    const merging = () => mergeAnnotations(staged(staging, "a", "R1\n"), target);
    expect(merging).toThrow(UserError);
    expect(() => mergeAnnotations(staged(staging, "b", "R1\n"), target)).toThrow(`${target} is not a regular file`);
  });
});

describe("staging folders", () => {
  test("one that a killed pull of this host left is removed by the next pull; a live one and another host's stay", () => {
    const dir = store();
    const host = hostname().replace(/[^A-Za-z0-9.]/g, "_");
    const dead = Bun.spawnSync(["true"]).pid;
    const names = [`.pull-${host}-${dead}-aa`, `.pull-${host}-${process.pid}-bb`, `.pull-otherhost-${dead}-cc`];
    for (const name of names) mkdirSync(join(dir, "runs", name, "runs"), { recursive: true });
    const staging = new Staging(dir);
    expect(readdirSync(join(dir, "runs")).sort()).toEqual([names[1]!, names[2]!, staging.store.slice(staging.store.lastIndexOf("/") + 1)].sort());
  });
});
