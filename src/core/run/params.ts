/**
 * A run's parameters, read from the command it runs, for any language and with no change to the
 * script: `python train.py --lr 0.03 --batch-size 32` -> `{ lr: 0.03, batch_size: 32 }`.
 *
 * Which words: only the script's own arguments. Interpreters (`python3 -u train.py`, `python -m
 * pkg.train`, `Rscript`, `julia`, `node`, `bun run`, `go run .` ...) and launchers (`torchrun`,
 * `accelerate launch`, `deepspeed`, `uv run`, `poetry run`, `conda run -n env` ...) have their own
 * options skipped; a launcher's command may itself be an interpreter. `python -c CODE` has no script:
 * the words after CODE count. `cargo run` passes only the words after `--`. When no script is found
 * (an unknown program such as `./train.sh` or `mytool`), every word after the program counts.
 *
 * How they read:
 * - `--name value`, `--name=value`; `--name` before another option, before a `key=value` word or at
 *   the end is `true`. Dashes in names become underscores, as argparse names them; dots nest
 *   (`--model.depth 4`). `--no-x` is `no_x: true`, not inverted. A repeated name: the last wins.
 * - `key=value` words (Hydra, Guild, Sacred) nest on dots: `model.depth=4` -> `{ model: { depth: 4 } }`.
 *   Hydra's `+`/`++` prefixes are dropped; `~key` deletions are ignored. Such a word is never the
 *   value of the option before it. Keys are kept as written (no dash conversion).
 * - A path that runs through a value already set replaces it: `a=1 a.b=2` -> `{ a: { b: 2 } }`.
 * - Short options (`-v`, `-n 3`) and positional words are not parameters; `--shift -1` is a value.
 * - `--` between the script's words is skipped: options on both sides count.
 * - Values: JSON numbers, `true`, `false`, `null` are typed; anything else stays a string
 *   (`--tags a,b` is "a,b"). Integers beyond 2^53 and numbers that overflow stay strings, so
 *   nothing is silently changed. An option with several values (`--layers 1 2`) keeps the first.
 */

export type Params = Record<string, unknown>;

/** The parameters of the command line `argv` (argv[0] is the program as typed). */
export function paramsFromArgv(argv: string[]): Params {
  return paramsFromArguments(scriptArguments(argv));
}

/**
 * `params` with `extra` on top (a sweep's point): dotted keys nest as on the command line
 * (`model.depth`), and a value given both ways takes `extra`'s. Null stays null without `extra`.
 */
export function withParams(params: Params | null, extra: Params | undefined): Params | null {
  if (!extra) return params;
  const merged: Params = structuredClone(params ?? {});
  for (const [key, value] of Object.entries(extra)) assignPath(merged, key.split("."), value);
  return merged;
}

/** The words of `argv` that are the script's own arguments (see the rules above). */
export function scriptArguments(argv: string[]): string[] {
  const program = programSpec(argv[0] ?? "");
  return (program && argumentsAfterScript(program, argv, 1)) ?? argv.slice(1);
}

/** The parameters named by a script's own arguments. */
export function paramsFromArguments(words: string[]): Params {
  const params: Params = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith("--") && word.length > 2) {
      const equals = word.indexOf("=");
      const name = word.slice(2, equals < 0 ? undefined : equals).replaceAll("-", "_");
      let value: unknown = true;
      if (equals >= 0) value = typedValue(word.slice(equals + 1));
      else if (isOptionValue(words[i + 1])) value = typedValue(words[++i]!);
      assignPath(params, name.split("."), value);
    } else {
      const override = readOverride(word);
      if (override && !override.deletion) assignPath(params, override.path, typedValue(override.raw));
    }
  }
  return params;
}

/** How a program reads its own options, so that its script can be found among its words. */
interface ProgramSpec {
  /** An interpreter's first positional word is the script; a launcher's is a command to run. */
  kind: "interpreter" | "launcher";
  /** A word skipped when it comes first: `uv run`, `accelerate launch`. */
  subcommand?: string;
  /** Options whose value is the next word (or attached); long names with underscores. */
  takesValue?: string[];
  /** Options whose value is code to run: no script, the words after the code are its arguments. */
  code?: string[];
  /** Options whose value names the script as a module. */
  module?: string[];
  /** Short options combine, getopt style: `-uc CODE`, `-Wignore`. */
  clusters?: boolean;
  /** The script's arguments are those after `--` (none without it). */
  afterSeparator?: boolean;
}

const python: ProgramSpec = {
  kind: "interpreter",
  takesValue: ["-W", "-X", "--check_hash_based_pycs"],
  code: ["-c"],
  module: ["-m"],
  clusters: true,
};
const shell: ProgramSpec = { kind: "interpreter", takesValue: ["-o"], code: ["-c"], clusters: true };
const torchrun: ProgramSpec = {
  kind: "launcher",
  takesValue: [
    "--nproc_per_node",
    "--nnodes",
    "--node_rank",
    "--master_addr",
    "--master_port",
    "--rdzv_backend",
    "--rdzv_endpoint",
    "--rdzv_id",
    "--max_restarts",
  ],
  module: ["-m", "--module"],
};
const accelerate: ProgramSpec = {
  kind: "launcher",
  subcommand: "launch",
  takesValue: [
    "--config_file",
    "--num_processes",
    "--num_machines",
    "--machine_rank",
    "--main_process_ip",
    "--main_process_port",
    "--mixed_precision",
    "--gpu_ids",
  ],
  module: ["-m", "--module"],
};
const condaRun: ProgramSpec = { kind: "launcher", subcommand: "run", takesValue: ["-n", "--name", "-p", "--prefix", "--cwd"] };

/** Programs by their name without path, version or `.exe` (`/usr/bin/python3.11` -> `python`). */
const PROGRAMS = new Map<string, ProgramSpec>([
  ["python", python],
  ["pypy", python],
  ["rscript", { kind: "interpreter", code: ["-e"] }],
  [
    "julia",
    { kind: "interpreter", takesValue: ["-t", "--threads", "-p", "--procs", "-J", "--sysimage", "-L", "--load"], code: ["-e", "-E", "--eval", "--print"] },
  ],
  ["node", { kind: "interpreter", takesValue: ["-r", "--require", "--import", "--loader"], code: ["-e", "--eval", "-p", "--print"] }],
  ["bun", { kind: "interpreter", subcommand: "run", takesValue: ["-r", "--preload", "--cwd", "--config"], code: ["-e", "--eval"] }],
  ["deno", { kind: "interpreter", subcommand: "run", takesValue: ["-c", "--config"] }],
  ["tsx", { kind: "interpreter", takesValue: ["--tsconfig"] }],
  ["ts-node", { kind: "interpreter", takesValue: ["-P", "--project", "-r", "--require"], code: ["-e", "--eval"] }],
  ["ruby", { kind: "interpreter", takesValue: ["-I", "-r"], code: ["-e"], clusters: true }],
  ["perl", { kind: "interpreter", takesValue: ["-I", "-M"], code: ["-e", "-E"], clusters: true }],
  ["lua", { kind: "interpreter", takesValue: ["-e", "-l"] }],
  ["bash", shell],
  ["sh", shell],
  ["zsh", shell],
  ["go", { kind: "interpreter", subcommand: "run", takesValue: ["-C", "-o", "-p", "-tags", "-ldflags", "-gcflags", "-mod", "-modfile", "-exec"] }],
  ["cargo", { kind: "launcher", subcommand: "run", afterSeparator: true }],
  ["torchrun", torchrun],
  ["accelerate", accelerate],
  [
    "deepspeed",
    {
      kind: "launcher",
      takesValue: ["--num_gpus", "--num_nodes", "--hostfile", "--include", "--exclude", "--master_addr", "--master_port", "--launcher"],
      module: ["--module"],
    },
  ],
  [
    "uv",
    {
      kind: "launcher",
      subcommand: "run",
      takesValue: [
        "--with",
        "--with_requirements",
        "--with_editable",
        "--python",
        "-p",
        "--project",
        "--directory",
        "--package",
        "--extra",
        "--group",
        "--env_file",
        "--index",
      ],
      module: ["-m", "--module"],
    },
  ],
  ["poetry", { kind: "launcher", subcommand: "run", takesValue: ["-C", "--directory", "-P", "--project"] }],
  ["pipenv", { kind: "launcher", subcommand: "run" }],
  ["conda", condaRun],
  ["mamba", condaRun],
  ["micromamba", condaRun],
  ["npx", { kind: "launcher", takesValue: ["-p", "--package"] }],
  ["env", { kind: "launcher", takesValue: ["-u", "--unset", "-C", "--chdir"] }],
  ["nohup", { kind: "launcher" }],
]);

/** Launchers run as Python modules: `python -m torch.distributed.run ... train.py`. */
const LAUNCHER_MODULES = new Map<string, ProgramSpec>([
  ["torch.distributed.run", torchrun],
  ["torch.distributed.launch", torchrun],
  ["accelerate.commands.launch", accelerate],
]);

const SCRIPT_EXTENSION = /\.(?:py|r|jl|[cm]?js|ts|rb|pl|lua|sh)$/i;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NEGATIVE_NUMBER = /^-\.?\d/;
const ENV_ASSIGNMENT = /^[A-Za-z_]\w*=/;
/** A Hydra-style override: an optional `+`, `++` or `~`, a dotted key, then `=value` (optional after `~`). */
const OVERRIDE = /^(~|\+\+|\+)?([A-Za-z_][\w@/-]*(?:\.[\w@/-]+)*)(?:=([\s\S]*))?$/;

function programSpec(word: string): ProgramSpec | undefined {
  const name = (word.split(/[\\/]/).pop() ?? "")
    .toLowerCase()
    .replace(/\.exe$/, "")
    .replace(/[\d.]+$/, "");
  return PROGRAMS.get(name);
}

/** The words after the script of the program whose own words start at `start`, or undefined when none is found. */
function argumentsAfterScript(program: ProgramSpec, words: string[], start: number): string[] | undefined {
  let i = start;
  if (program.subcommand !== undefined && words[i] === program.subcommand) i++;
  if (program.afterSeparator) {
    const separator = words.indexOf("--", i);
    return separator < 0 ? [] : words.slice(separator + 1);
  }
  while (i < words.length) {
    const word = words[i]!;
    if (word === "--") return argumentsAfterCommand(program, words, i + 1);
    if (isOptionWord(word)) {
      const option = readOption(program, words, i);
      if (option.role === "code") return words.slice(option.next);
      if (option.role === "module") {
        const launcher = LAUNCHER_MODULES.get(option.value ?? "");
        return launcher ? argumentsAfterScript(launcher, words, option.next) : words.slice(option.next);
      }
      i = option.next;
    } else if (program.kind === "launcher" && ENV_ASSIGNMENT.test(word)) i++;
    else return argumentsAfterCommand(program, words, i);
  }
  return undefined;
}

/** The words after the first positional word at `index`: the script, or a launcher's command. */
function argumentsAfterCommand(program: ProgramSpec, words: string[], index: number): string[] | undefined {
  const command = words[index];
  if (command === undefined) return undefined;
  const inner = program.kind === "launcher" ? programSpec(command) : undefined;
  return inner ? argumentsAfterScript(inner, words, index + 1) : words.slice(index + 1);
}

type OptionRole = "value" | "code" | "module";

function optionRole(program: ProgramSpec, name: string): OptionRole | undefined {
  if (program.code?.includes(name)) return "code";
  if (program.module?.includes(name)) return "module";
  if (program.takesValue?.includes(name)) return "value";
  return undefined;
}

/** The option at `words[i]`: the index of the word after it (and its value), and what the value is. */
function readOption(program: ProgramSpec, words: string[], i: number): { next: number; role?: OptionRole; value?: string } {
  const word = words[i]!;
  if (program.clusters && !word.startsWith("--")) {
    for (let k = 1; k < word.length; k++) {
      const role = optionRole(program, `-${word[k]}`);
      if (!role) continue;
      const attached = word.slice(k + 1);
      return attached ? { next: i + 1, role, value: attached } : { next: i + 2, role, value: words[i + 1] };
    }
    return { next: i + 1 };
  }
  const equals = word.indexOf("=");
  const written = equals < 0 ? word : word.slice(0, equals);
  const name = written.startsWith("--") ? `--${written.slice(2).replaceAll("-", "_")}` : written;
  const role = optionRole(program, name);
  if (equals >= 0) return { next: i + 1, role, value: word.slice(equals + 1) };
  if (role) return { next: i + 2, role, value: words[i + 1] };
  // An option we do not know: a launcher's takes the next word unless that looks like the command.
  const following = words[i + 1];
  const takesFollowing = program.kind === "launcher" && following !== undefined && !isOptionWord(following) && !looksLikeScript(following);
  return { next: takesFollowing ? i + 2 : i + 1 };
}

function isOptionWord(word: string): boolean {
  return word.length > 1 && word.startsWith("-") && !NEGATIVE_NUMBER.test(word);
}

function looksLikeScript(word: string): boolean {
  return SCRIPT_EXTENSION.test(word) || programSpec(word) !== undefined;
}

/** Whether `word` can be the value of the long option before it. */
function isOptionValue(word: string | undefined): word is string {
  return word !== undefined && !isOptionWord(word) && readOverride(word) === undefined;
}

function readOverride(word: string): { path: string[]; raw: string; deletion: boolean } | undefined {
  const match = OVERRIDE.exec(word);
  if (!match) return undefined;
  const [, prefix, key, raw] = match;
  if (raw === undefined && prefix !== "~") return undefined;
  return { path: key!.split("."), raw: raw ?? "", deletion: prefix === "~" };
}

function typedValue(raw: string): unknown {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  if (JSON_NUMBER.test(raw)) {
    const number = Number(raw);
    const isInteger = /^-?\d+$/.test(raw);
    if (Number.isFinite(number) && (!isInteger || Number.isSafeInteger(number))) return number;
  }
  return raw;
}

/** Sets `value` at the dotted `path`, replacing anything in the way; a path with an empty part is skipped. */
function assignPath(params: Params, path: string[], value: unknown): void {
  if (path.some((part) => part === "")) return;
  let target = params;
  for (const part of path.slice(0, -1)) {
    const next = Object.hasOwn(target, part) ? target[part] : undefined;
    target = isObject(next) ? next : defineOwn(target, part, {});
  }
  defineOwn(target, path.at(-1)!, value);
}

/** Sets an own property, even for keys such as `__proto__`. */
function defineOwn<T>(target: Params, key: string, value: T): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function isObject(value: unknown): value is Params {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
