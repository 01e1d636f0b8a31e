/**
 * `exprag cat` and read_run_file: a file as it was in a run's code. cat's JSON holds the whole
 * text (or base64 for a binary file); read_run_file's holds a window of lines, cut at a size a
 * model can take, and no binary content.
 */
import { pathFromHere, type RunFile, readRunFile } from "../git/files";
import { openRepositoryOrFail } from "../git/repository";
import type { AnswerContext } from "./context";

export interface RunFileRequest {
  run: string;
  /** The path, from the working directory (`here`) or from the top of the repository. */
  path: string;
  from: "here" | "top";
  /** A larger file is refused. */
  maxBytes: number;
}

/** The run's file, folder, link or submodule, with a file's bytes. */
export function readRequestedFile(request: RunFileRequest, { store, cwd, env, warn }: AnswerContext): RunFile {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const path = pathFromHere(repo.top, request.from === "here" ? cwd : repo.top, request.path);
  return readRunFile(git, store, request.run, path, warn, request.maxBytes);
}

/** cat's JSON: a file's whole text, or its bytes as base64 when it is binary. */
export function answerCat(request: RunFileRequest, context: AnswerContext) {
  const file = readRequestedFile(request, context);
  if (file.kind !== "file") return { data: file };
  const { content, ...rest } = file;
  return { data: { ...rest, ...(file.binary ? { base64: content.toString("base64") } : { text: content.toString() }) } };
}

export interface LineWindow {
  /** The first line to give, from 1. */
  startLine: number;
  maxLines: number;
  /** Text past this many bytes is cut. */
  maxTextBytes: number;
}

/** read_run_file's JSON: a window of a text file's lines; a binary file gives no text. */
export function answerReadRunFile(request: RunFileRequest & LineWindow, context: AnswerContext) {
  const file = readRequestedFile(request, context);
  if (file.kind !== "file") return { data: file };
  const { content, ...about } = file;
  if (file.binary) return { data: { ...about, text: null } };
  const start = request.startLine;
  const { lines, total, text, truncated } = lineRange(content, start, request.maxLines, request.maxTextBytes);
  return { data: { ...about, start_line: start, lines, total_lines: total, text, truncated } };
}

/**
 * Lines `start` on (1-based) of a text, at most `maxLines` of them and `maxBytes` (a first line
 * longer than that is cut), ending as the text does (with a newline or not).
 */
export function lineRange(content: Buffer, start: number, maxLines: number, maxBytes: number) {
  const text = content.toString();
  const all = text.split("\n");
  const endsWithNewline = all.at(-1) === "";
  if (endsWithNewline) all.pop();
  const wanted = all.slice(start - 1, start - 1 + Math.min(maxLines, all.length));
  const kept: string[] = [];
  let bytes = 0;
  for (const line of wanted) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > maxBytes) {
      if (!kept.length) kept.push(Buffer.from(line).subarray(0, maxBytes).toString());
      break;
    }
    kept.push(line);
  }
  const truncated = kept.length < wanted.length || kept[0] !== wanted[0];
  const last = start - 1 + kept.length === all.length && !endsWithNewline && !truncated;
  return { lines: kept.length, total: all.length, text: kept.length ? `${kept.join("\n")}${last ? "" : "\n"}` : "", truncated };
}
