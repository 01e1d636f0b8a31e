/** The `dir` key: a store a project config names must stay in its work tree. */
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { EXIT, UserError } from "../errors";
import type { ProjectConfig } from "./project-config";
import { text, type Where } from "./values";

/** `dir`: the store, read from the config file's folder; refused (when used) outside the work tree or inside .git. */
export function checkStoreDir(value: unknown, at: Where, config: ProjectConfig): void {
  const dir = resolve(dirname(at.file), text(value, at));
  // Refused only when it is used: --dir or EXPRAG_DIR still choose any folder.
  const refusal = storeRefusal(dir, at);
  if (refusal) config.dirRefused = refusal;
  else config.dir = dir;
}

/**
 * A store a project config names (a cloned repository may commit one) stays inside the work tree
 * and outside `.git`, links followed; only --dir and EXPRAG_DIR may put it anywhere.
 */
function storeRefusal(store: string, at: Where): UserError | null {
  const top = realPrefix(at.top);
  const inside = relative(top, realPrefix(store));
  const parts = inside.split(sep);
  const outside = inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside);
  if (outside || parts.some((part) => part.toLowerCase() === ".git")) {
    return new UserError(
      `${at.file}: ${at.key} = ${JSON.stringify(store)} is ${outside ? `not a folder inside the work tree ${at.top}` : "inside .git"}; a project config keeps the store in the work tree, outside .git`,
      EXIT.usage,
      "name a folder inside the project (such as .exprag), or choose any folder with --dir DIR or EXPRAG_DIR",
    );
  }
  return null;
}

/** The path with its longest existing start resolved through links, the rest as written. */
function realPrefix(path: string): string {
  let rest = "";
  for (let at = resolve(path); ; at = dirname(at)) {
    try {
      return join(realpathSync(at), rest);
    } catch {
      if (dirname(at) === at) return resolve(path);
      rest = join(basename(at), rest);
    }
  }
}
