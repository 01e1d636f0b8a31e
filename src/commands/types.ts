import type { CommandDef } from "citty";

/** A subcommand: citty's description of it (for --help) and what it does. Returns the exit code. */
export interface ExpragCommand {
  definition: CommandDef<any>;
  main(argv: string[]): Promise<number>;
  /** Extra help text after citty's usage, e.g. examples. */
  examples?: string;
}
