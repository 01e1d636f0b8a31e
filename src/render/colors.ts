/**
 * The one colour policy: `--color always|never` first; else no colour when NO_COLOR is set (to
 * anything but ""), colour when FORCE_COLOR is set (but not to 0 or false), none for TERM=dumb,
 * and otherwise colour only for a terminal. picocolors is loaded on first use: loading it asks
 * whether stdout is a terminal through node's stream machinery, which costs start-up time.
 */
import type { Colors } from "picocolors/types";
import { isTerminal } from "../core/os/posix";

export const COLOR_CHOICES = ["auto", "always", "never"] as const;
export type ColorChoice = (typeof COLOR_CHOICES)[number];

let choice: ColorChoice = "auto";

export function setColorChoice(value: ColorChoice): void {
  choice = value;
  palettes.clear();
}

export function wantsColor(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (choice !== "auto") return choice === "always";
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !["0", "false"].includes(env.FORCE_COLOR.toLowerCase());
  if (env.TERM === "dumb") return false;
  return isTerminal(fd);
}

const palettes = new Map<number, Colors>();

/** Colours for what goes to `fd`: real ones when the policy wants colour there, else plain text. */
export function colors(fd = 1): Colors {
  let palette = palettes.get(fd);
  if (!palette) {
    palette = (require("picocolors") as { createColors(enabled: boolean): Colors }).createColors(wantsColor(fd));
    palettes.set(fd, palette);
  }
  return palette;
}
