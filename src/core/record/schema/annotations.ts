/** What is added to a run after the fact, one kind a line in its annotations file: tags, notes, decisions; and the project's notes. */

/** The kinds of annotation lines; each one's value is typed below. */
export const ANNOTATION_KINDS = ["tag", "untag", "note", "decision"] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

/** The value of a `tag` or `untag` annotation (`exprag tag`, `exprag tag --remove`): the tags given or taken away. */
export interface TagValue {
  tags: string[];
}

/** The longest note (or reason, or hypothesis) exprag takes, in characters. */
export const MAX_NOTE_CHARS = 10_000;

/** The value of a `note` annotation (`exprag note`). */
export interface NoteValue {
  text: string;
}

/** What may be decided about a run: keep what it changed, or throw it away. */
export const DECISIONS = ["keep", "discard"] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/** The value of a `decision` annotation (`exprag keep`, `exprag discard`); a later one replaces it. */
export interface DecisionValue {
  decision: DecisionKind;
  because?: string;
}

/** The value of a project note (`exprag note --project`); one that `replaces` another corrects it. */
export interface ProjectNoteValue {
  /** Its own id: 8 hex digits, unique in the store. */
  id: string;
  text: string;
  replaces?: string;
}

/** Each annotation kind's value. */
export interface AnnotationValues {
  tag: TagValue;
  untag: TagValue;
  note: NoteValue;
  decision: DecisionValue;
}
