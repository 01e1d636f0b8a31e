import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { gitEnv, makeRepo, runIn, write } from "./git-harness";
import { EXPRAG, exprag, readRecords, runFiles, tempDir } from "./harness";
import { atTerminal, hasPty } from "./terminal";

// Several terminals per test, on a loaded machine.
setDefaultTimeout(30_000);
const cwd = tempDir();
const LONG = "a-rather-long-experiment-name-that-would-wrap-the-terminal";
let started = "";

beforeAll(async () => {
  const emit = (value: unknown) => `printf '%s\\n' 'EXPRAG::${JSON.stringify(value)}'`;
  await exprag(["run", "--name", "short", "--", "sh", "-c", emit({ step: 1, metrics: { loss: 0.5 } })], { cwd });
  const metrics = { validation_loss_of_the_model: 0.123456, validation_accuracy_top5: 0.98765, f1_macro_average: 0.5 };
  await exprag(["run", "--name", LONG, "--meta", "comment=a long note kept with the run", "--", "sh", "-c", emit({ step: 1, metrics })], { cwd });
  started = readRecords(runFiles(join(cwd, ".exprag")).at(-1)!)[0]!.created_at;
});

const widest = (text: string) => Math.max(...text.split("\n").map((line) => Bun.stringWidth(line)));

describe("tables and times at a terminal", () => {
  test.skipIf(!hasPty)("ls fits the terminal's width, cutting names and metrics with …", async () => {
    const tty = await atTerminal([EXPRAG, "ls", "--color", "never"], { cwd, columns: 100 });
    expect(tty.exitCode).toBe(0);
    // The rows fit; the one line on stderr before them says what was left out or cut.
    const [note, ...table] = tty.output.split("\n");
    expect(note).toBe("exprag: 100 columns: left out records, code, exit, duration, commit; cut name, comment, metrics; --columns picks, --json shows all");
    expect(widest(table.join("\n"))).toBeLessThanOrEqual(100);
    // Columns that matter least went first, so the name keeps more of itself; both are still cut.
    expect(tty.output).toMatch(/ {2}a-rather-long-\S*… {2}/);
    expect(tty.output).toMatch(/ metrics\.val\S*…\n/);
    expect(table[0]).toBe("id        name                     started  status                  comment  metrics");
    expect(tty.output).not.toContain(LONG);
    const wide = await atTerminal([EXPRAG, "ls", "--color", "never"], { cwd, columns: 80, env: { COLUMNS: "250" } });
    expect(wide.output).toContain(LONG);
  });

  test("through a pipe and in JSON nothing is cut and times are RFC 3339 UTC, whatever COLUMNS says", async () => {
    const tsv = await exprag(["ls"], { cwd, env: { COLUMNS: "40", TZ: "Asia/Tokyo" } });
    expect(tsv.text).toContain(`\t${LONG}\t${started}\t`);
    expect(tsv.text).toContain("validation_loss_of_the_model=0.123456");
    const json = JSON.parse((await exprag(["ls", "--json"], { cwd, env: { COLUMNS: "40" } })).text);
    expect(json[0]).toMatchObject({ experiment_name: LONG, started_at: started });
    expect((await exprag(["show", "latest"], { cwd, env: { TZ: "Asia/Tokyo" } })).text).toContain(`\nstarted_at\t${started}\n`);
  });

  test.skipIf(!hasPty)("ls shows how long ago a run started; show, the local time with its offset", async () => {
    const ls = await atTerminal([EXPRAG, "ls", "--color", "never"], { cwd, env: { TZ: "Asia/Kolkata" } });
    expect(ls.output).toMatch(/ short +\d+[sm] ago /);
    const show = await atTerminal([EXPRAG, "show", "latest", "--color", "never"], { cwd, env: { TZ: "Asia/Kolkata" } });
    const local = new Date(Date.parse(started) + 5.5 * 3600_000).toISOString().replace("T", " ").slice(0, 19);
    expect(show.output).toContain(`  started   ${local} +05:30\n`);
  });

  test.skipIf(!hasPty)("long work shows a progress line on stderr at a terminal, cleared at the end; nothing through a pipe", async () => {
    // The delay is shortened so this store, read in milliseconds, is slow enough.
    const env = { EXPRAG_PROGRESS_DELAY_MS: "0" };
    const tty = await atTerminal([EXPRAG, "paths", "--color", "never"], { cwd, env });
    expect(tty.output).toMatch(/^\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] selecting runs 0\/2/);
    const [progress, table] = [tty.output.slice(0, tty.output.indexOf("path")), tty.output.slice(tty.output.indexOf("path"))];
    expect(progress).toMatch(/\r +\r(exprag: 100 columns: cut examples; --columns picks, --json shows all\n)?$/);
    expect(table).toStartWith("path ");
    const piped = await exprag(["paths"], { cwd, env });
    expect(piped.stderr).toBe("");
    const unhurried = await atTerminal([EXPRAG, "paths", "--color", "never"], { cwd });
    expect(unhurried.output).toStartWith("exprag: 100 columns: cut examples; --columns picks, --json shows all\npath ");
  });

  test.skipIf(!hasPty)(
    "a big snapshot shows how many of its files are in, cleared before the command starts",
    async () => {
      const repo = makeRepo();
      for (let i = 0; i < 2500; i++) write(repo, `gen/f${i}.txt`, `${i}\n`);
      const env = { ...gitEnv, EXPRAG_PROGRESS_DELAY_MS: "0" };
      const tty = await atTerminal([EXPRAG, "run", "-q", "--", "echo", "started"], { cwd: repo, env });
      expect(tty.exitCode).toBe(0);
      expect(tty.output).toMatch(/^\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] files in the snapshot 1000\/2500/);
      expect(tty.output).toMatch(/\r +\rstarted\n$/);
      const piped = await runIn(repo, ["run", "-q", "--", "true"], { EXPRAG_PROGRESS_DELAY_MS: "0" });
      expect(piped.stderr).toBe("");
    },
    60_000,
  );
});
