/**
 * The words of a command that are its script's own arguments. Interpreters (`python3 -u
 * train.py`, `python -m pkg.train`, `Rscript`, `julia`, `node`, `bun run`, `go run .` ...) and
 * launchers (`torchrun`, `accelerate launch`, `deepspeed`, `uv run`, `poetry run`, `conda run -n
 * env` ...) have their own options skipped; a launcher's command may itself be an interpreter.
 * `python -c CODE` has no script: the words after CODE count. `cargo run` passes only the words
 * after `--`. When no script is found (an unknown program such as `./train.sh` or `mytool`), every
 * word after the program counts.
 */

/** The words of `argv` that are the script's own arguments (see above). */
export function scriptArguments(argv: string[]): string[] {
  const program = programSpec(argv[0] ?? "");
  return (program && argumentsAfterScript(program, argv, 1)) ?? argv.slice(1);
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
const NEGATIVE_NUMBER = /^-\.?\d/;
const ENV_ASSIGNMENT = /^[A-Za-z_]\w*=/;
/** A program's name without path, version or `.exe`: `/usr/bin/python3.11` -> `python`. */
export function programName(word: string): string {
  return withoutVersion(word.slice(Math.max(word.lastIndexOf("/"), word.lastIndexOf("\\")) + 1).toLowerCase());
}

/**
 * A program's file name without `.exe` and the version after its name (`python3.11.exe` ->
 * `python`). No regular expression: a run that compiles none starts about a millisecond sooner.
 */
export function withoutVersion(name: string): string {
  let end = name.endsWith(".exe") ? name.length - 4 : name.length;
  while (end > 0 && (name[end - 1] === "." || (name[end - 1]! >= "0" && name[end - 1]! <= "9"))) end--;
  return name.slice(0, end);
}

function programSpec(word: string): ProgramSpec | undefined {
  return PROGRAMS.get(programName(word));
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

/** An option of the command line: a dash, then more, but not a negative number. */
export function isOptionWord(word: string): boolean {
  return word.length > 1 && word.startsWith("-") && !NEGATIVE_NUMBER.test(word);
}

function looksLikeScript(word: string): boolean {
  return SCRIPT_EXTENSION.test(word) || programSpec(word) !== undefined;
}
