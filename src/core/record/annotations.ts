/**
 * Tags, notes and decisions added to a run after the fact (`exprag tag`, `exprag note`,
 * `exprag keep`, `exprag discard`): an agent's conclusions become part of the run's memory. They
 * live in the store's `annotations/` folder, in `<run_id>.jsonl`, one event per line, appended with
 * one write each: the run file keeps its single writer (a run still being written is never
 * touched), annotations from several processes never tear each other, and a copy of the store
 * merges by taking every line. `runs/` holds runs only: a store written when annotations lived
 * beside the run file (`runs/<run_id>.annotations.jsonl`) is read as it is, and each run's file is
 * moved on its next write.
 */
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VERSION } from "../../version";
import { isErrno, usageError } from "../errors";
import { isSymlink } from "../os/files";
import { type Author, decodeAuthor } from "./author";
import { asObject, decodeEnvelope, parseRecord } from "./decode";
import { forEachLine } from "./reader";
import {
  type AnnotationValues,
  DECISIONS,
  type DecisionKind,
  type DecisionValue,
  MAX_NOTE_CHARS,
  type NoteValue,
  SCHEMA_VERSION,
  type TagValue,
} from "./schema";

/** `<store>/annotations/<run_id>.jsonl` for the run file `<store>/runs/<run_id>.jsonl`. */
export const annotationsPath = (runFile: string) => join(dirname(dirname(runFile)), ANNOTATIONS_DIR, basename(runFile));

export const ANNOTATIONS_DIR = "annotations";

/** Where a store written before `annotations/` kept a run's annotations: beside its run file. */
export const legacyAnnotationsPath = (runFile: string) => runFile.replace(/\.jsonl$/, ".annotations.jsonl");

/** The files a run's annotations may be in now, oldest events first (a link planted in a copied store is never followed). */
export function annotationFiles(runFile: string, listing?: AnnotationListing): string[] {
  // A store whose runs have no annotations at all (the usual one) needs no path made per run.
  if (listing?.isEmpty()) return [];
  const exists = (path: string) => (listing ? listing.has(path) : existsSync(path));
  return [legacyAnnotationsPath(runFile), annotationsPath(runFile)].filter((path) => exists(path) && !isSymlink(path));
}

/**
 * The annotation files of a store, listed once (two folder reads, on first use) for a question
 * about many runs, instead of two lookups per run. A folder that cannot be listed (other than a
 * missing one) is asked file by file.
 */
export class AnnotationListing {
  private paths: Set<string> | null | undefined;

  constructor(private readonly store: string) {}

  has(path: string): boolean {
    const paths = this.listed();
    return paths ? paths.has(path) : existsSync(path);
  }

  /** Whether both folders were listed and hold no annotation file. */
  isEmpty(): boolean {
    return this.listed()?.size === 0;
  }

  private listed(): Set<string> | null {
    if (this.paths === undefined) {
      const runs = listFolder(join(this.store, "runs"), (name) => name.endsWith(".annotations.jsonl"));
      const moved = listFolder(join(this.store, ANNOTATIONS_DIR), (name) => name.endsWith(".jsonl"));
      this.paths = runs && moved && new Set([...runs, ...moved]);
    }
    return this.paths;
  }
}

/** The paths of a folder's entries that `keep`; [] for a missing folder, null for one that cannot be read. */
function listFolder(dir: string, keep: (name: string) => boolean): string[] | null {
  try {
    return readdirSync(dir)
      .filter(keep)
      .map((name) => join(dir, name));
  } catch (error) {
    return isErrno(error, "ENOENT") ? [] : null;
  }
}

/**
 * Before a write: the annotations folder exists, and a run's annotations kept the old way are
 * moved into it (after those already there, read as older), so `runs/` holds runs only.
 */
export function settleAnnotations(runFile: string): string {
  const target = annotationsPath(runFile);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const legacy = legacyAnnotationsPath(runFile);
  if (!existsSync(legacy) || isSymlink(legacy)) return target;
  if (!existsSync(target)) {
    renameSync(legacy, target);
    return target;
  }
  const merged = `${target}.${process.pid}.moving`;
  const text = (path: string) => {
    const content = readFileSync(path, "utf8");
    return content && !content.endsWith("\n") ? `${content}\n` : content;
  };
  const fd = openSync(merged, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text(legacy) + text(target));
  } finally {
    closeSync(fd);
  }
  renameSync(merged, target);
  rmSync(legacy, { force: true });
  return target;
}

/** An annotation to append: its kind and what its value is made from. */
export type AnnotationEvent =
  | ({ kind: "tag" | "untag" } & TagValue)
  | ({ kind: "note" } & NoteValue)
  | { kind: "decision"; decision: DecisionKind; because: string | null };

/** A decision about a run, with who made it, when and why. */
export interface Decision {
  decision: DecisionKind;
  because: string | null;
  created_at: string;
  author: Author | null;
}

export interface Annotations {
  /** The tags the run has now, in the order they were first given. */
  tags: string[];
  notes: { text: string; created_at: string; author: Author | null }[];
  /** The decision that stands: the latest one; null while undecided. */
  decision: Decision | null;
  /** Every decision, oldest first (the last is the one that stands). */
  decisions: Decision[];
}

/** A tag is one word a shell and a glob can hold: no spaces or control characters, at most 100 characters. */
export const TAG = /^[^\s\p{C}]{1,100}$/u;

/** The tags, each checked to be a tag; a usage error names the first that is not (and the option that gave it). */
export function checkTags(tags: string[], option?: string): string[] {
  for (const tag of tags) {
    if (!TAG.test(tag))
      throw usageError(`${option ? `${option} ` : ""}'${tag}' is not a tag: one word, no spaces or control characters, at most 100 characters`);
  }
  return tags;
}

/** A note's text (or a reason, a hypothesis), trimmed; a usage error when it is empty or too long. */
export function checkNote(text: string, what = "a note"): string {
  const trimmed = text.trim();
  if (!trimmed) throw usageError(`${what} needs some text`);
  if (trimmed.length > MAX_NOTE_CHARS) throw usageError(`${what} holds at most ${MAX_NOTE_CHARS} characters, this one has ${trimmed.length}`);
  return trimmed;
}

function eventValue(event: AnnotationEvent): AnnotationValues[AnnotationEvent["kind"]] {
  if (event.kind === "note") return { text: event.text } satisfies NoteValue;
  if (event.kind === "decision") return { decision: event.decision, ...(event.because !== null && { because: event.because }) } satisfies DecisionValue;
  return { tags: event.tags } satisfies TagValue;
}

/** Appends one event to the run's annotations; returns the time it was recorded at. */
export function appendAnnotation(runFile: string, runId: string, event: AnnotationEvent, author: Author): string {
  const createdAt = new Date().toISOString();
  const record = {
    schema_version: SCHEMA_VERSION,
    exprag_version: VERSION,
    run_id: runId,
    kind: event.kind,
    value: eventValue(event),
    created_at: createdAt,
    author,
  };
  appendLine(settleAnnotations(runFile), record);
  return createdAt;
}

/** One write per line, appended, never through a link planted in a copied store. */
export function appendLine(path: string, record: object): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The run's annotations; `startTags`: the tags its run_start gave it (a queued Slurm point's),
 * before any event; `listing`: the annotation folder's entries, when a selection listed them once.
 */
export function readAnnotations(runFile: string, startTags: string[] = [], listing?: AnnotationListing): Annotations {
  const annotations: Annotations = { tags: [], notes: [], decision: null, decisions: [] };
  const files = annotationFiles(runFile, listing);
  // The usual run of a listing: nothing to merge (asked of every run of `ls`).
  if (!files.length && !startTags.length) return annotations;
  const tags = new Set<string>(startTags);
  for (const path of files) readEvents(path, annotations, tags);
  annotations.tags = [...tags];
  // A pulled copy appends its lines after ours: the time a decision was made orders them, not the file.
  annotations.decisions = byTime(annotations.decisions);
  annotations.decision = annotations.decisions.at(-1) ?? null;
  return annotations;
}

function readEvents(path: string, annotations: Annotations, tags: Set<string>): void {
  try {
    forEachLine(path, (text) => {
      readEvent(text, annotations, tags);
      return undefined;
    });
  } catch (error) {
    // Removed since it was listed (exprag rm, an older store's file moved): no annotations of its.
    if (!isErrno(error, "ENOENT")) throw error;
  }
}

function readEvent(text: string | null, annotations: Annotations, tags: Set<string>): void {
  const record = text === null ? null : parseRecord(text);
  if (!record) return;
  const { kind, value, createdAt } = decodeEnvelope(record);
  const body = asObject(value);
  if (kind === "note" && typeof body.text === "string") annotations.notes.push({ text: body.text, created_at: createdAt, author: decodeAuthor(record) });
  if (kind === "decision" && (DECISIONS as readonly unknown[]).includes(body.decision))
    annotations.decisions.push({
      decision: body.decision as DecisionKind,
      because: typeof body.because === "string" ? body.because : null,
      created_at: createdAt,
      author: decodeAuthor(record),
    });
  if (kind !== "tag" && kind !== "untag") return;
  for (const tag of Array.isArray(body.tags) ? body.tags : []) {
    if (typeof tag !== "string") continue;
    if (kind === "tag") tags.add(tag);
    else tags.delete(tag);
  }
}

/** Oldest first by created_at; equal times keep their order in the file. */
function byTime<T extends { created_at: string }>(items: T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (a.item.created_at < b.item.created_at ? -1 : a.item.created_at > b.item.created_at ? 1 : a.index - b.index))
    .map(({ item }) => item);
}
