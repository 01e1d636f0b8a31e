/**
 * `exprag __complete <words...>`: what the shell completion scripts (completion.ts) call back to
 * learn the candidates for the last word, read from the command definitions and the store, so a
 * script never goes stale when exprag changes. It prints one line saying how to complete
 * (`:candidates`, `:files`, `:dirs`, or `:default` for the shell's own completion), then one
 * candidate a line, each optionally followed by a tab and a description. Fast by design: run
 * references come from the runs folder's listing, value paths from the last records of a few runs.
 */
import type { ArgsDef } from "citty";
import { RunView } from "../core/query/run-view";
import { listRunIds, resolveRunRef, shortId } from "../core/record/refs";
import { RUN_STATES } from "../core/record/schema";
import { resolveStoreDir } from "../core/store-location";
import { visible } from "../render/escape";
import { printData } from "../render/output";
import type { ExpragCommand } from "./_define";
import { flagTable } from "./_flags";

type Loaders = Record<string, () => Promise<{ default: ExpragCommand }>>;

export interface Completion {
  how: "candidates" | "files" | "dirs" | "default";
  candidates: [value: string, description?: string][];
}

/** Run references offered at most, newest first. */
const MAX_RUNS = 100;
/** Runs whose last records give the value paths offered, when none is named. */
const PATH_RUNS = 20;
const SHELLS = ["bash", "zsh", "fish"];

export async function complete(words: string[], commands: Loaders): Promise<number> {
  let result: Completion;
  try {
    result = await completeWords(words, commands, { env: process.env, cwd: process.cwd() });
  } catch {
    // A completion never fails loudly: a broken store or config leaves the shell's own completion.
    result = { how: "default", candidates: [] };
  }
  const lines = result.candidates.map(([value, description]) => (description ? `${value}\t${oneLine(description)}` : value));
  printData(`:${result.how}\n${lines.map((line) => `${line}\n`).join("")}`);
  return 0;
}

const oneLine = (text: string) => visible(text).slice(0, 80);

/**
 * The candidates for the last of `words` (the words after `exprag`, the last one being
 * completed, maybe ""). Bash splits `--color=al` into `--color`, `=`, `al`: both forms are read.
 */
export async function completeWords(words: string[], commands: Loaders, where: { env: NodeJS.ProcessEnv; cwd: string }): Promise<Completion> {
  // Bash splits `--color=al` into `--color`, `=`, `al` and completes `al` alone.
  const split = words.length >= 2 && (words.at(-1) === "=" || words.at(-2) === "=");
  const joined = joinEquals(words);
  const current = joined.at(-1) ?? "";
  const before = joined.slice(0, -1);
  const names = [...Object.keys(commands), "help"];
  if (before.length === 0) {
    if (current.startsWith("-")) return offer(["--help", "--version"], current);
    return offer(await describedCommands(commands, names), current);
  }
  const [command, ...rest] = before;
  if (command === "help") return rest.length ? none() : offer(await describedCommands(commands, names), current);
  if (!command || !Object.hasOwn(commands, command)) return none();
  const definition = (await commands[command]!()).default;
  const args = definition.definition.args as ArgsDef;
  if (command === "completion") return rest.length ? none() : offer(SHELLS, current);

  const state = readWords(rest, args, definition);
  if (state.inCommand) return { how: "default", candidates: [] };
  const store = () => resolveStoreDir(state.dir, where.env, where.cwd);
  // `--flag=value` in one word (zsh, fish): candidates keep the `--flag=` in front.
  const inline = /^(--[^=]+)=(.*)$/s.exec(current);
  if (inline || state.valueFlag) {
    const flag = inline ? inline[1]! : state.valueFlag!;
    const name = flagName(flag, args);
    if (!name) return none();
    const found = completeValue(name, args[name]!, inline ? inline[2]! : current, store);
    if (inline && !split && found.how === "candidates") found.candidates = found.candidates.map(([value, text]) => [`${flag}=${value}`, text]);
    return found;
  }
  if (current.startsWith("-") && !state.afterDoubleDash) return offer(flagCandidates(args), current);
  const positionals = Object.entries(args).filter(([, def]) => def.type === "positional");
  const [name] = positionals[Math.min(state.positionals.length, positionals.length - 1)] ?? [];
  if (!name || (state.positionals.length >= positionals.length && name !== definition.variadic)) return none();
  if (state.afterDoubleDash && definition.afterDoubleDash === "rest") return { how: "files", candidates: [] };
  return completePositional(name, current, store, state.positionals);
}

/** `--dir` `=` `x` (bash's split) as `--dir=x`; a lone trailing `=` starts an empty value. */
function joinEquals(words: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const previous = joined.at(-1);
    if (word === "=" && previous?.startsWith("--") && !previous.includes("=")) {
      joined[joined.length - 1] = `${previous}=${words[i + 1] ?? ""}`;
      i++;
      continue;
    }
    joined.push(word);
  }
  return joined;
}

interface WordState {
  positionals: string[];
  /** The flag whose value the current word is. */
  valueFlag?: string;
  afterDoubleDash: boolean;
  /** `exprag run`: the words are the command's now. */
  inCommand: boolean;
  dir?: string;
}

function readWords(words: string[], args: ArgsDef, command: ExpragCommand): WordState {
  const state: WordState = { positionals: [], afterDoubleDash: false, inCommand: false };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (state.afterDoubleDash) {
      state.positionals.push(word);
      continue;
    }
    if (word === "--") {
      state.afterDoubleDash = true;
      if (command.stopAtFirstPositional) state.inCommand = true;
      continue;
    }
    if (word.startsWith("-") && word !== "-") {
      const [flag, value] = word.includes("=") ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)] : [word, undefined];
      const name = flagName(flag, args);
      const takesValue = name !== undefined && args[name]!.type !== "boolean";
      if (takesValue && value === undefined) {
        if (i === words.length - 1) state.valueFlag = flag;
        else if (name === "dir") state.dir = words[i + 1];
        if (i < words.length - 1) i++;
      } else if (name === "dir") state.dir = value;
      continue;
    }
    if (command.stopAtFirstPositional) state.inCommand = true;
    state.positionals.push(word);
  }
  return state;
}

/** The option a word names, read from the table the strict parser uses, so both agree on every spelling. */
const flagName = (flag: string, args: ArgsDef): string | undefined => flagTable(args).get(flag);

function flagCandidates(args: ArgsDef): [string, string][] {
  const flags: [string, string][] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    flags.push([`--${name}`, def.description ?? ""]);
    if (def.type === "boolean" && (def.default === true || "negativeDescription" in def))
      flags.push([`--no-${name}`, ("negativeDescription" in def && def.negativeDescription) || ""]);
  }
  return [...flags, ["--help", "Show the options and examples"]];
}

function completeValue(name: string, def: ArgsDef[string], typed: string, store: () => string): Completion {
  if (def.type === "enum" && def.options) return offer(def.options, typed);
  if (name === "status") {
    // A comma-separated list: complete its last state.
    const head = typed.slice(0, typed.lastIndexOf(",") + 1);
    return offer(
      RUN_STATES.map((state) => `${head}${state}`),
      typed,
    );
  }
  if (name === "tag") return offer(storeTags(store()), typed);
  const hint = "valueHint" in def ? def.valueHint : undefined;
  if (hint === "DIR") return { how: "dirs", candidates: [] };
  if (hint === "FILE" || hint === "PATH") return { how: "files", candidates: [] };
  return none();
}

function completePositional(name: string, typed: string, store: () => string, earlier: string[]): Completion {
  if (name === "run" || name === "runs" || name === "other") return offer(runReferences(store(), typed), typed);
  if (name === "path") return offer(valuePaths(store(), earlier), typed);
  return none();
}

/** `latest`, `latest~1`, and the short ids (or the full ids, once a `-` is typed) of the newest runs that match. */
function runReferences(store: string, typed: string): [string, string?][] {
  const ids = listRunIds(store);
  const wanted = typed.toLowerCase();
  const full = wanted.includes("-");
  const matching: string[] = [];
  for (let i = ids.length - 1; i >= 0 && matching.length < MAX_RUNS; i--) {
    const id = ids[i]!;
    if ((full ? id : shortId(id)).startsWith(wanted)) matching.push(id);
  }
  const described = matching.map((id): [string, string?] => [full ? id : shortId(id), runName(store, id)]);
  const latest: [string, string?][] = ids.length ? [["latest", runName(store, ids.at(-1)!)]] : [];
  if (ids.length > 1) latest.push(["latest~1", runName(store, ids.at(-2)!)]);
  return [...latest, ...described];
}

function runName(store: string, runId: string): string | undefined {
  try {
    return new RunView(store, runId, () => {}).start()?.experimentName;
  } catch {
    return undefined;
  }
}

/** The numeric paths of the last records of the runs named so far, else of the newest runs. */
function valuePaths(store: string, earlier: string[]): string[] {
  const named = earlier.flatMap((reference) => {
    try {
      return [resolveRunRef(store, reference).runId];
    } catch {
      return [];
    }
  });
  const ids = named.length ? named : listRunIds(store).slice(-PATH_RUNS);
  const paths = new Set<string>();
  for (const runId of ids) {
    try {
      for (const path of Object.keys(new RunView(store, runId, () => {}).summary()?.metrics ?? {})) paths.add(path);
    } catch {
      // an unreadable run offers nothing
    }
  }
  return [...paths].sort();
}

function storeTags(store: string): string[] {
  const tags = new Set<string>();
  for (const runId of listRunIds(store).slice(-MAX_RUNS)) {
    try {
      for (const tag of new RunView(store, runId, () => {}).annotations().tags) tags.add(tag);
    } catch {
      // an unreadable run offers nothing
    }
  }
  return [...tags].sort();
}

async function describedCommands(commands: Loaders, names: string[]): Promise<[string, string][]> {
  return Promise.all(
    names.map(async (name): Promise<[string, string]> => {
      if (!Object.hasOwn(commands, name)) return [name, "Show the help of exprag or of one command"];
      const meta = (await commands[name]!()).default.definition.meta as { description?: string } | undefined;
      return [name, meta?.description ?? ""];
    }),
  );
}

function offer(candidates: readonly (string | [string, string?])[], typed: string): Completion {
  const pairs = candidates.map((candidate): [string, string?] => (typeof candidate === "string" ? [candidate] : candidate));
  return { how: "candidates", candidates: pairs.filter(([value]) => value.startsWith(typed)) };
}

const none = (): Completion => ({ how: "candidates", candidates: [] });
