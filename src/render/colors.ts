/**
 * Colour, only for terminals and only when NO_COLOR is unset. picocolors is loaded on first use:
 * loading it asks whether stdout is a terminal through node's stream machinery, which costs
 * more start-up time than `exprag run` may add.
 */
import type { Colors } from "picocolors/types";
import { isTerminal } from "../core/os/posix";

export function wantsColor(fd: number): boolean {
  return !process.env.NO_COLOR && isTerminal(fd);
}

let loaded: Colors | undefined;

export function colors(): Colors {
  loaded ??= (require("picocolors") as { createColors(enabled: boolean): Colors }).createColors(true);
  return loaded;
}
