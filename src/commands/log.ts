import { defineCommand } from "citty";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { EXIT, UserError, usageError } from "../core/errors";
import { resolveRunRef, shortId } from "../core/record/refs";
import { forEachLine } from "../core/record/reader";
import { resolveStoreDir, runLogPath } from "../core/store";
import { writeFully } from "../core/os/io";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  run: { type: "positional", description: "The run" },
  tail: { type: "string", description: "Only the last N lines", valueHint: "N" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "log", description: "The run's captured output (stdout and stderr as shown)" },
  args,
});

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("log", argv, args);
  if (parsed.help) return -1;
  const [reference, ...extra] = parsed.positionals;
  if (!reference || extra.length) throw usageError("log takes one run", "usage: exprag log <run> [--tail N]");
  const tailText = parsed.options.tail as string | undefined;
  const tail = tailText === undefined ? null : Number(tailText);
  if (tail !== null && (!Number.isInteger(tail) || tail < 1)) throw usageError(`--tail must be a positive whole number, got "${tailText}"`);
  const store = resolveStoreDir(parsed.options.dir as string | undefined, process.env, process.cwd());
  const { runId } = resolveRunRef(store, reference);
  const file = runLogPath(store, runId);
  if (!existsSync(file)) throw new UserError(`run ${shortId(runId)} kept no output log (it ran with --no-log)`, EXIT.failure);
  if (tail === null) copyToStdout(file);
  else {
    const last: string[] = [];
    forEachLine(
      file,
      (line) => {
        last.push(line);
        if (last.length > tail) last.shift();
      },
      true,
    );
    writeFully(1, Buffer.from(last.map((line) => `${line}\n`).join("")));
  }
  return 0;
}

/** The log as it is, bytes and all. */
function copyToStdout(file: string): void {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(256 * 1024);
    for (let bytes = readSync(fd, buffer); bytes > 0; bytes = readSync(fd, buffer)) writeFully(1, buffer, 0, bytes);
  } finally {
    closeSync(fd);
  }
}

export default { definition, main } satisfies ExpragCommand;
