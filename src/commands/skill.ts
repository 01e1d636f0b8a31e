import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { EXIT, errnoReason, UserError } from "../core/errors";
import { isSymlink } from "../core/os/files";
import { log } from "../render/log";
import { printData } from "../render/output";
import skillText from "../skill/SKILL.md" with { type: "text" };
import { VERSION } from "../version";
import { defineExpragCommand } from "./_define";

export const SKILL = skillText.replace("{{version}}", VERSION);

/** Whether a file at `path` is one exprag wrote: its front matter says `generator: exprag`. */
function writtenByExprag(path: string): boolean {
  const text = readFileSync(path, "utf8");
  const frontMatter = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? "";
  return /^\s+generator:\s*exprag\s*$/m.test(frontMatter);
}

export default defineExpragCommand({
  name: "skill",
  description: "The agent skill (SKILL.md) that teaches a coding agent to use exprag",
  args: {
    write: { type: "string", description: "Write it to PATH (folders are created) instead of printing it", valueHint: "PATH" },
    force: { type: "boolean", description: "Overwrite a file at PATH that exprag did not write" },
  },
  examples: `EXAMPLES

  exprag skill --write .claude/skills/exprag/SKILL.md    # Claude Code
  exprag skill --write .agents/skills/exprag/SKILL.md    # Codex, Gemini CLI, Cursor, Copilot, opencode
  exprag skill                                           # print it`,
  run({ args }) {
    if (args.write === undefined) return printData(SKILL);
    let path = resolve(args.write);
    if (args.write.endsWith("/") || (existsSync(path) && statSync(path).isDirectory())) path = join(path, "SKILL.md");
    if (isSymlink(path))
      throw new UserError(
        `not writing ${path}: it is a symbolic link, and exprag does not write through links`,
        EXIT.failure,
        "remove the link, or name the file it points to",
      );
    const there = lstatSync(path, { throwIfNoEntry: false });
    // A folder, a FIFO or a device in its place: no file to read or replace (a FIFO would wait for a writer).
    if (there && !there.isFile()) throw new UserError(`not writing ${path}: it is not a regular file`, EXIT.failure, "move it aside, or name another path");
    if (there && !args.force && !writtenByExprag(path)) {
      throw new UserError(`not overwriting ${path}: exprag did not write it`, EXIT.failure, "use --force to replace it");
    }
    if (basename(dirname(path)) !== "exprag") {
      log.warn("the skill is named exprag, and agents expect it in a folder of that name, e.g. .claude/skills/exprag/SKILL.md");
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
      // O_NOFOLLOW: a link put there since the check above is not followed either.
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
      try {
        writeSync(fd, SKILL);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new UserError(`cannot write ${path} (${errnoReason(error)})`, EXIT.failure);
    }
    log.info(`wrote ${path}`);
  },
});
