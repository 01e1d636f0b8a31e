/** `exprag log --json` and log_tail: the end of a run's captured output. */
import { type LogTail, readLogTail } from "../query/log";
import type { AnswerContext } from "./context";

export interface LogRequest {
  run: string;
  /** The last N lines; null is all of them. */
  tail: number | null;
  /** At most this many bytes, the end. */
  maxBytes: number;
}

export function answerLog(request: LogRequest, { store }: AnswerContext): { data: LogTail } {
  return { data: readLogTail(store, request.run, request.tail ?? Number.POSITIVE_INFINITY, request.maxBytes) };
}
