/**
 * What one record line means: the JSON after `EXPRAG::` (or one line written to EXPRAG_FD).
 *
 * The stored value stays strict JSON: Python's `NaN`, `Infinity` and `-Infinity` tokens become the
 * strings "NaN", "Infinity", "-Infinity". In an object, `$note` (a string) and `$meta` (an object)
 * are reserved: they become the record's note and a `meta` record. `$value`, when present, is the
 * tracked value itself (any JSON), so a scalar can have a note and an object holding reserved
 * keys stays data: `{"$value": 0.5, "$note": "lr"}`. `$params` (an object) becomes a `params`
 * record: parameters the program really used, which win over those read from its command line.
 */
import { exceedsDepth, MAX_RECORD_DEPTH } from "../record/json-values";

export type Payload =
  | {
      ok: true;
      /** The tracked value as JSON text, or null when the line held only reserved keys. */
      value: string | null;
      /** The line held NaN or an infinity (now stored as strings). */
      nonFinite?: boolean;
      note?: string;
      /** `$meta` as JSON text. */
      meta?: string;
      /** `$params` as JSON text. */
      params?: string;
    }
  | { ok: false; reason: string };

const RESERVED_NOTE = "$note";
const RESERVED_META = "$meta";
const RESERVED_VALUE = "$value";
const RESERVED_PARAMS = "$params";
const RESERVED = [RESERVED_NOTE, RESERVED_META, RESERVED_VALUE, RESERVED_PARAMS];

const TOO_DEEP: Payload = { ok: false, reason: `nested deeper than ${MAX_RECORD_DEPTH} levels` };

export function parsePayload(text: string): Payload {
  // A reserved key's object is a level around what it carries ($value, $meta, $params): the line
  // may be one level deeper than the records it becomes, and no more.
  const deep = exceedsDepth(text, MAX_RECORD_DEPTH);
  if (deep && exceedsDepth(text, MAX_RECORD_DEPTH + 1)) return TOO_DEEP;
  let json = text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const quoted = quoteNonFinite(text);
    if (quoted === text) return { ok: false, reason: parseErrorReason(error) };
    try {
      value = JSON.parse(quoted);
      json = quoted;
    } catch (retryError) {
      return { ok: false, reason: parseErrorReason(retryError) };
    }
  }
  const nonFinite = json !== text;
  if (value === null || typeof value !== "object" || Array.isArray(value) || !RESERVED.some((key) => key in value)) {
    return deep ? TOO_DEEP : { ok: true, value: json, ...(nonFinite && { nonFinite }) };
  }
  const split = splitReserved(value as Record<string, unknown>, json);
  if (deep && split.ok && [split.value, split.meta, split.params].some((part) => part && exceedsDepth(part, MAX_RECORD_DEPTH))) return TOO_DEEP;
  return split.ok && nonFinite ? { ...split, nonFinite } : split;
}

/**
 * Takes `$note` and `$meta` out of an object payload. What remains is cut from the text as
 * written, not re-serialised, so numbers beyond double precision survive as they were.
 */
function splitReserved(object: Record<string, unknown>, json: string): Payload {
  const note = object[RESERVED_NOTE];
  const meta = object[RESERVED_META];
  if (note !== undefined && typeof note !== "string") return { ok: false, reason: `"${RESERVED_NOTE}" must be a string` };
  for (const [key, given] of [
    [RESERVED_META, meta],
    [RESERVED_PARAMS, object[RESERVED_PARAMS]],
  ] as const) {
    if (given !== undefined && (given === null || typeof given !== "object" || Array.isArray(given)))
      return { ok: false, reason: `"${key}" must be an object` };
  }
  const members = topLevelMembers(json);
  const kept = members.filter((m) => !RESERVED.includes(m.key));
  const metaText = members.findLast((m) => m.key === RESERVED_META)?.value;
  const valueText = members.findLast((m) => m.key === RESERVED_VALUE)?.value;
  const paramsText = members.findLast((m) => m.key === RESERVED_PARAMS)?.value;
  if (valueText !== undefined && kept.length) return { ok: false, reason: `"${RESERVED_VALUE}" cannot share its object with other keys` };
  return {
    ok: true,
    value: valueText ?? (kept.length ? `{${kept.map((m) => m.text).join(",")}}` : null),
    ...(note !== undefined && { note }),
    ...(metaText !== undefined && { meta: metaText }),
    ...(paramsText !== undefined && { params: paramsText }),
  };
}

/** The members of a valid JSON object's text: each key, its `"key": value` text, and the value's text. */
function topLevelMembers(json: string): { key: string; text: string; value: string }[] {
  const members: { key: string; text: string; value: string }[] = [];
  let i = json.indexOf("{") + 1;
  for (;;) {
    while (/\s/.test(json[i] ?? "")) i++;
    if (json[i] === "}" || i >= json.length) return members;
    const start = i;
    const keyEnd = skipString(json, i);
    const key = JSON.parse(json.slice(i, keyEnd)) as string;
    i = json.indexOf(":", keyEnd) + 1;
    while (/\s/.test(json[i] ?? "")) i++;
    const valueStart = i;
    let depth = 0;
    for (; i < json.length; i++) {
      const c = json[i];
      if (c === '"') i = skipString(json, i) - 1;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (depth === 0) break;
        depth--;
      } else if (c === "," && depth === 0) break;
    }
    members.push({ key, text: json.slice(start, i).trim(), value: json.slice(valueStart, i).trim() });
    if (json[i] === ",") i++;
  }
}

/** Position after the JSON string that starts with the quote at i. */
function skipString(json: string, i: number): number {
  for (i++; i < json.length; i++) {
    if (json[i] === "\\") i++;
    else if (json[i] === '"') return i + 1;
  }
  return i;
}

/** Rewrites the bare tokens NaN, Infinity and -Infinity (outside strings) as JSON strings. */
export function quoteNonFinite(text: string): string {
  let out = "";
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash escapes the next character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    const token = c === 78 ? "NaN" : c === 73 ? "Infinity" : c === 45 ? "-Infinity" : null;
    if (token && text.startsWith(token, i) && !isObjectKey(text, i + token.length)) {
      out += `${text.slice(copiedUpTo, i)}"${token}"`;
      i += token.length - 1;
      copiedUpTo = i + 1;
    }
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Whether what follows position i (past spaces) is a colon: the token before it is a key, not a value. */
function isObjectKey(text: string, i: number): boolean {
  while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  return text[i] === ":";
}

function parseErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^JSON Parse error: /, "invalid JSON: ");
}
