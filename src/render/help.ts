/** --help text: citty's usage of a command, then its examples. */
import { type ArgsDef, type CommandDef, renderUsage } from "citty";
import { wantsColor } from "./colors";

const ROOT: CommandDef<ArgsDef> = { meta: { name: "exprag" } };

export async function renderHelp(definition: CommandDef<ArgsDef>, examples?: string, parent: CommandDef<ArgsDef> | undefined = ROOT): Promise<string> {
  const usage = await renderUsage(definition, parent);
  return `${plain(usage)}\n${examples ? `\n${examples}\n` : ""}`;
}

/** citty colours its usage text; keep colour for terminals that want it. */
export function plain(text: string): string {
  const trimmed = text.replace(/[ \t]+$/gm, "");
  return wantsColor(1) ? trimmed : Bun.stripANSI(trimmed);
}
