/**
 * Tags, notes and decisions added to a run after the fact (`exprag tag`, `exprag note`,
 * `exprag keep`, `exprag discard`): an agent's conclusions become part of the run's memory. They
 * live in the store's `annotations/` folder, in `<run_id>.jsonl`, one event per line, appended with
 * one write each: the run file keeps its single writer (a run still being written is never
 * touched), annotations from several processes never tear each other, and a copy of the store
 * merges by taking every line. Events count once each, in the order they were made (a merged
 * copy's lines come after ours). `runs/` holds runs only: a store written when annotations lived
 * beside the run file (`runs/<run_id>.annotations.jsonl`) is read as it is, and each run's file is
 * moved on its next write.
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VERSION } from "../../version";
import { isErrno, usageError } from "../errors";
import { isSymlink } from "../os/files";
import { storeFolder } from "../store";
import { type Author, decodeAuthor } from "./author";
import { asObject, decodeEnvelope, parseRecord } from "./decode";
import { addLinesOf, appendMissingLines, cannotWrite, notRegularFile, openToAppend } from "./line-merge";
import { NotRegularFile } from "./reader";
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
 * moved into it, so `runs/` holds runs only. They are appended, never written over what is there:
 * a line another process appends meanwhile is kept. Two moving the same file at once may both
 * append its lines; a reader takes each line once, and orders them by when they were made.
 */
export function settleAnnotations(runFile: string): string {
  const target = annotationsPath(runFile);
  mkdirSync(storeFolder(dirname(dirname(runFile)), ANNOTATIONS_DIR), { recursive: true, mode: 0o700 });
  const legacy = legacyAnnotationsPath(runFile);
  if (!existsSync(legacy) || isSymlink(legacy)) return target;
  const kept = legacyText(legacy);
  if (kept === null) return target; // moved by another process meanwhile
  appendMissingLines(target, kept.split("\n"));
  rmSync(legacy, { force: true });
  return target;
}

/**
 * An older store's annotations file, read never through a link (one planted in a copied store
 * could name any file of this user's) nor from anything but a regular file (a FIFO would hang).
 */
function legacyText(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw notRegularFile(path);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
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
  const path = annotationsPath(runFile);
  try {
    appendLine(settleAnnotations(runFile), record);
  } catch (error) {
    // The annotations folder, or the run's file in it, is not what exprag made (a file, a link).
    throw cannotWrite(path, error);
  }
  return createdAt;
}

/** One write per line, appended, never through a link planted in a copied store, nor into anything but a regular file. */
export function appendLine(path: string, record: object): void {
  let fd: number;
  try {
    fd = openToAppend(path);
  } catch (error) {
    throw cannotWrite(path, error);
  }
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The run's annotations; `startTags`: the tags its run_start gave it (a queued Slurm point's),
 * before any event; `listing`: the annotation folder's entries, when a selection listed them once;
 * `asOf`: only the events made by then (an ISO time), as they stood at that moment.
 */
export function readAnnotations(runFile: string, startTags: string[] = [], listing?: AnnotationListing, asOf?: string): Annotations {
  const annotations: Annotations = { tags: [], notes: [], decision: null, decisions: [] };
  const files = annotationFiles(runFile, listing);
  // The usual run of a listing: nothing to merge (asked of every run of `ls`).
  if (!files.length && !startTags.length) return annotations;
  // A line appended twice (two processes moving the same file) counts once. A file removed since
  // it was listed (exprag rm, an older store's file moved) holds no annotations.
  const lines = new Set<string>();
  for (const path of files) {
    try {
      addLinesOf(path, lines);
    } catch (error) {
      // A FIFO or a device in an annotations file's place holds none, as a link there does not.
      if (!(error instanceof NotRegularFile)) throw error;
    }
  }
  const tags = new Set<string>(startTags);
  // A merged copy's lines (pulled, or moved from an older store) come after ours: the time each
  // event was made orders them, not the file.
  for (const event of byTime([...lines].flatMap((text) => eventOf(text) ?? []))) {
    if (asOf !== undefined && event.created_at > asOf) break;
    applyEvent(event, annotations, tags);
  }
  annotations.tags = [...tags];
  annotations.decision = annotations.decisions.at(-1) ?? null;
  return annotations;
}

interface AnnotationRecord {
  kind: string;
  body: Record<string, unknown>;
  created_at: string;
  author: Author | null;
}

function eventOf(text: string): AnnotationRecord | null {
  const record = parseRecord(text);
  if (!record) return null;
  const { kind, value, createdAt } = decodeEnvelope(record);
  return { kind, body: asObject(value), created_at: createdAt, author: decodeAuthor(record) };
}

function applyEvent({ kind, body, created_at, author }: AnnotationRecord, annotations: Annotations, tags: Set<string>): void {
  if (kind === "note" && typeof body.text === "string") annotations.notes.push({ text: body.text, created_at, author });
  if (kind === "decision" && (DECISIONS as readonly unknown[]).includes(body.decision))
    annotations.decisions.push({
      decision: body.decision as DecisionKind,
      because: typeof body.because === "string" ? body.because : null,
      created_at,
      author,
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
