import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { EXPRAG, exprag, readRecords, runFiles, tempDir, works } from "./harness";

const cwd = tempDir();
mkdirSync(join(cwd, ".git"));

describe("exprag help", () => {
  test("lists the commands, the exit codes, the environment and where the store is", async () => {
    for (const args of [["help"], ["--help"], ["-h"], ["help", "--help"]]) {
      const result = await exprag(args, { cwd });
      expect({ args, code: result.exitCode, stderr: result.stderr }).toEqual({ args, code: 0, stderr: "" });
      const text = result.text;
      expect(text).toStartWith("exprag 0.1.0: experiment memory for coding agents\n");
      for (const command of ["run", "ls", "plot", "completion", "help"]) expect(text).toMatch(new RegExp(`^  ${command} +[A-Z]`, "m"));
      expect(text).toMatch(/^EXIT CODES\n {2}0 +success\n {2}1 +a request that cannot be met/m);
      expect(text).toContain("\n  2    bad usage");
      expect(text).toContain("\n  125  exprag's own failure");
      for (const variable of ["EXPRAG_DIR", "EXPRAG_RUN_ID", "EXPRAG_FD", "EXPRAG_HEARTBEAT_S", "NO_COLOR", "FORCE_COLOR", "COLUMNS"]) {
        expect(text).toMatch(new RegExp(`^  ${variable} +\\S`, "m"));
      }
      expect(text).toContain(`\n  Here: ${join(cwd, ".exprag")}\n`);
    }
  });

  test("help <command> is that command's --help", async () => {
    for (const command of ["ls", "run", "plot"]) {
      const [viaHelp, viaFlag] = await Promise.all([exprag(["help", command], { cwd }), exprag([command, "--help"], { cwd })]);
      expect(viaHelp.exitCode).toBe(0);
      expect(viaHelp.text).toBe(viaFlag.text);
      expect(viaHelp.text).toContain(`exprag ${command}`);
    }
  });

  test("no command is a usage error that shows the help on stderr, with only the options every command takes too", async () => {
    for (const args of [[], ["-v"], ["-q", "--verbose"]]) {
      const result = await exprag(args, { cwd });
      expect({ args, code: result.exitCode, text: result.text }).toEqual({ args, code: 2, text: "" });
      expect(result.stderr).toStartWith("exprag: error: no command given\nexprag 0.1.0:");
    }
  });

  test("a count of 8 digits or more after --last is read as a run, and the error says how to write the count", async () => {
    const result = await exprag(["values", "metrics.acc", "--last", "10000000"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toStartWith("exprag: error: no run matches '10000000'");
    expect(result.stderr).toContain("for the last 10000000 points of each run, write --last=10000000");
  });

  test("help help is the help; --help takes no value", async () => {
    const [helpHelp, help] = await Promise.all([exprag(["help", "help"], { cwd }), exprag(["--help"], { cwd })]);
    expect(helpHelp.exitCode).toBe(0);
    expect(helpHelp.text).toBe(help.text);
    const valued = await exprag(["ls", "--help=1"], { cwd });
    expect([valued.exitCode, valued.stderr]).toEqual([2, "exprag: error: --help takes no value; see 'exprag ls --help'\n"]);
  });

  test.each([
    [["lss"], "exprag: error: unknown command 'lss'; did you mean 'ls'? see 'exprag --help'"],
    [["shwo", "latest"], "exprag: error: unknown command 'shwo'; did you mean 'show'? see 'exprag --help'"],
    [["help", "valeus"], "exprag: error: unknown command 'valeus'; did you mean 'values'? see 'exprag --help'"],
    [["frobnicate"], "exprag: error: unknown command 'frobnicate'; commands: run, sweep, rerun, ls, show"],
    [["ls", "--jsno"], "exprag: error: unknown option --jsno for 'exprag ls'; did you mean --json? (see 'exprag ls --help')"],
    [["values", "x", "--lats", "3"], "exprag: error: unknown option --lats for 'exprag values'; did you mean --last? (see 'exprag values --help')"],
    [["--json"], "exprag: error: unknown option --json; options come after the command"],
    [["help", "ls", "show"], "exprag: error: exprag help takes one command, got 2"],
    [["completion", "tcsh"], "exprag: error: no completion for the shell 'tcsh'; choose bash, zsh or fish"],
    // A filter given twice narrows to the last silently no more.
    [["ls", "--status", "ok", "--status", "failed"], "exprag: error: --status was given twice ('ok', then 'failed'); it takes one value"],
    [["run", "-n", "a", "--name=b", "--", "true"], "exprag: error: --name was given twice ('a', then 'b'); it takes one value"],
  ])("%p is a usage error: %s", async (args, message) => {
    const result = await exprag(args, { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toStartWith(message);
  });
});

/** Completes `line` (the cursor at its end) the way bash does at a Tab, with the script `exprag completion bash` prints. */
async function bashComplete(line: string, dir: string): Promise<string[]> {
  const script = `
source <(exprag completion bash)
read -ra COMP_WORDS <<< "$LINE"
[[ $LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$LINE COMP_POINT=\${#LINE}
_exprag_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  await using proc = Bun.spawn(["bash", "--norc", "--noprofile", "-c", script], {
    cwd: dir,
    env: { PATH: `${join(EXPRAG, "..")}:${process.env.PATH}`, LINE: line, HOME: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || err) throw new Error(`bash failed (${code}): ${err}`);
  return out.split("\n").filter(Boolean);
}

describe("shell completion", () => {
  test.skipIf(!works("bash", "-c", "compgen -W x x"))("bash, sourcing the script, completes commands, options, short ids and value paths", async () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    const emit = `printf '%s\\n' 'EXPRAG::{"step": 1, "metrics": {"loss": 0.5, "acc": 0.9}}'`;
    for (const name of ["first", "second"]) await exprag(["run", "--name", name, "--", "sh", "-c", emit], { cwd: repo });
    const [first, second] = runFiles(join(repo, ".exprag")).map((file) => readRecords(file)[0]!.run_id.replace(/-/g, "").slice(-8));
    expect(await bashComplete("exprag sh", repo)).toEqual(["show"]);
    expect(await bashComplete("exprag ls --st", repo)).toEqual(["--status"]);
    expect(await bashComplete("exprag ls --color ", repo)).toEqual(["auto", "always", "never"]);
    expect(await bashComplete("exprag show ", repo)).toEqual(["latest", "latest~1", second!, first!]);
    expect(await bashComplete(`exprag show ${first!.slice(0, 3)}`, repo)).toEqual([first!]);
    expect(await bashComplete("exprag values metrics.", repo)).toEqual(["metrics.acc", "metrics.loss"]);
    expect(await bashComplete("exprag best metrics.l", repo)).toEqual(["metrics.loss"]);
    expect(await bashComplete("exprag completion ", repo)).toEqual(["bash", "zsh", "fish"]);
    mkdirSync(join(repo, "stores"));
    expect(await bashComplete("exprag ls --dir sto", repo)).toEqual(["stores"]);
  });

  test.skipIf(!Bun.which("fish"))("fish, loading the script, completes short ids with the run's name", async () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    await exprag(["run", "--name", "only", "--", "true"], { cwd: repo });
    const short = readRecords(runFiles(join(repo, ".exprag"))[0]!)[0]!
      .run_id.replace(/-/g, "")
      .slice(-8);
    const fish = Bun.spawnSync(["fish", "--no-config", "-c", 'exprag completion fish | source; complete -C "exprag show "'], {
      cwd: repo,
      env: { PATH: `${join(EXPRAG, "..")}:${process.env.PATH}`, HOME: repo },
    });
    expect(fish.stdout.toString().split("\n").filter(Boolean).sort()).toEqual([`${short}\tonly`, "latest\tonly"]);
  });

  test.each([
    ["zsh", ["zsh", "-n"]],
    ["fish", ["fish", "--no-execute"]],
    ["bash", ["bash", "-n"]],
  ])("the %s script is valid for its shell (when it is installed)", async (shell, check) => {
    const script = await exprag(["completion", shell], { cwd });
    expect(script.exitCode).toBe(0);
    expect(script.text).toContain("exprag __complete");
    if (!Bun.which(check[0]!)) return;
    const file = join(cwd, `exprag.${shell}`);
    await Bun.write(file, script.text);
    const parsed = Bun.spawnSync([...check, file], { stderr: "pipe" });
    expect({ shell, code: parsed.exitCode, stderr: parsed.stderr.toString() }).toEqual({ shell, code: 0, stderr: "" });
  });
});
