/** The folder holding exprag's `sitecustomize.py` for Python commands (see python-hook.ts), written once into the user's cache. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import hookSource from "../../../python/hook/sitecustomize.py" with { type: "text" };
import { errnoReason } from "../errors";
import { stagedPath } from "../os/files";

/** The hook's folder, written when missing; null (and why) when it cannot be. */
export function pythonHookDir(env: NodeJS.ProcessEnv): { dir: string } | { error: string } {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || os.homedir(), ".cache");
  const dir = join(cache, "exprag", `python-hook-${Bun.hash(hookSource).toString(36)}`);
  const file = join(dir, "sitecustomize.py");
  try {
    if (Bun.file(file).size === Buffer.byteLength(hookSource)) return { dir };
  } catch {
    // not there yet
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = stagedPath(file);
    try {
      writeFileSync(temporary, hookSource, { mode: 0o600, flag: "wx" });
      renameSync(temporary, file);
    } catch (error) {
      try {
        rmSync(temporary, { force: true });
      } catch {}
      throw error;
    }
    return { dir };
  } catch (error) {
    return { error: `cannot write ${dir} (${errnoReason(error)})` };
  }
}
