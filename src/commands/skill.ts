import { defineCommand } from "citty";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { EXIT, UserError, usageError } from "../core/errors";
import { log } from "../log";
import { printData } from "../render/table";
import skillText from "../skill/SKILL.md" with { type: "text" };
import { VERSION } from "../version";
import { parseCommandLine } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  write: { type: "string", description: "Write it to PATH (folders are created) instead of printing it", valueHint: "PATH" },
  force: { type: "boolean", description: "Overwrite a file at PATH that exprag did not write" },
} as const;

export const definition = defineCommand({
  meta: { name: "skill", description: "The agent skill (SKILL.md) that teaches a coding agent to use exprag" },
  args,
});

const examples = `EXAMPLES

  exprag skill --write .claude/skills/exprag/SKILL.md    # Claude Code
  exprag skill --write .agents/skills/exprag/SKILL.md    # Codex, Gemini CLI, Cursor, Copilot, opencode
  exprag skill                                           # print it`;

export const SKILL = skillText.replace("{{version}}", VERSION);

/** Whether a file at `path` is one exprag wrote: its front matter says `generator: exprag`. */
function writtenByExprag(path: string): boolean {
  const text = readFileSync(path, "utf8");
  const frontMatter = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? "";
  return /^\s+generator:\s*exprag\s*$/m.test(frontMatter);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("skill", argv, args);
  if (parsed.help) return -1;
  if (parsed.positionals.length) throw usageError(`unexpected argument '${parsed.positionals[0]}'`, "see 'exprag skill --help'");
  const target = parsed.options.write as string | undefined;
  if (target === undefined) {
    printData(SKILL);
    return 0;
  }
  let path = resolve(target);
  if (target.endsWith("/") || (existsSync(path) && statSync(path).isDirectory())) path = join(path, "SKILL.md");
  if (existsSync(path) && !parsed.options.force && !writtenByExprag(path)) {
    throw new UserError(`not overwriting ${path}: exprag did not write it`, EXIT.failure, "use --force to replace it");
  }
  if (basename(dirname(path)) !== "exprag") {
    log.warn(`the skill is named exprag, and agents expect it in a folder of that name, e.g. .claude/skills/exprag/SKILL.md`);
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, SKILL);
  } catch (error) {
    throw new UserError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? error})`, EXIT.failure);
  }
  log.info(`wrote ${path}`);
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
