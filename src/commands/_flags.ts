/**
 * The one table of how a command's options are spelled, which both readers of argv use: the strict
 * parser that runs a command (_define.ts) and the tolerant one that completes a shell word
 * (_complete.ts). citty supplies only the shape of the definitions (ArgsDef) and, in render/help.ts,
 * the --help text drawn from them; reading argv is ours, since citty's parser lets an unknown option
 * pass silently and knows neither repeatable flags nor options whose value may be left out.
 */
import type { ArgsDef } from "citty";

/** Each spelling of each option (`--name`, `-a`, `--long-alias`) to the option's name; positionals have none. */
export function flagTable(defs: ArgsDef): Map<string, string> {
  const byFlag = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    byFlag.set(`--${name}`, name);
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const alias of aliases) byFlag.set(alias.length === 1 ? `-${alias}` : `--${alias}`, name);
  }
  return byFlag;
}
