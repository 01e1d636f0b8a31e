/** Each key of the project config: how its value is checked and where it goes. */
import { EXIT, UserError } from "../errors";
import { parseSize } from "../sizes";
import type { ProjectConfig } from "./project-config";
import { checkSlurmTable } from "./slurm-key";
import { checkStoreDir } from "./store-key";
import { duration, flag, globs, isTable, text, type Where, wrongType } from "./values";

export const KEYS: Record<string, (value: unknown, at: Where, config: ProjectConfig) => void> = {
  dir: checkStoreDir,
  "snapshot-max-size": (value, at, config) => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) config.snapshotMaxSize = value;
    else if (typeof value === "string") config.snapshotMaxSize = parseSize(value, `${at.key} in ${at.file}`);
    else throw wrongType(at, 'a size such as "10M", "500K", or a number of bytes', value);
  },
  "snapshot-exclude": (value, at, config) => {
    config.snapshotExclude = globs(value, at, 'a list of globs such as ["*.ckpt", "data/**"]');
  },
  "not-code": (value, at, config) => {
    config.notCode = globs(value, at, 'a list of folders and globs such as [".claude/", "notes/**"]');
  },
  log: (value, at, config) => {
    config.log = flag(value, at);
  },
  params: (value, at, config) => {
    config.params = flag(value, at);
  },
  name: (value, at, config) => {
    config.name = text(value, at);
  },
  pty: (value, at, config) => {
    config.pty = flag(value, at);
  },
  outputs: (value, at, config) => {
    config.outputs = globs(value, at, 'a list of globs such as ["checkpoints/**", "*.pt"]');
  },
  "keep-outputs": (value, at, config) => {
    config.keepOutputs = flag(value, at);
  },
  goal: (value, at, config) => {
    if (!isTable(value)) throw wrongType(at, 'a table: [goal] metric = "val_bpb", direction = "min"', value);
    for (const key of Object.keys(value))
      if (key !== "metric" && key !== "direction")
        throw new UserError(`${at.file}: unknown key "${key}" in ${at.key}`, EXIT.usage, "known keys: metric, direction");
    if (value.metric === undefined) throw new UserError(`${at.file}: [goal] names no metric`, EXIT.usage, 'e.g. [goal] metric = "val_loss", direction = "min"');
    const metric = text(value.metric, { ...at, key: `${at.key}.metric` });
    const direction = value.direction;
    if (direction !== undefined && direction !== "max" && direction !== "min")
      throw wrongType({ ...at, key: `${at.key}.direction` }, '"max" or "min"', direction);
    config.goal = { metric, ...(direction !== undefined && { direction }) };
  },
  "seed-params": (value, at, config) => {
    if (!Array.isArray(value) || !value.every((name) => typeof name === "string" && name !== ""))
      throw wrongType(at, 'a list of param names such as ["seed"]', value);
    config.seedParams = value;
  },
  "stop-when": (value, at, config) => {
    const rules = typeof value === "string" ? [value] : value;
    if (!Array.isArray(rules) || !rules.every((rule) => typeof rule === "string"))
      throw wrongType(at, 'a rule or a list of rules such as ["diverged", "metrics.loss > 5"]', value);
    config.stopWhen = rules;
  },
  "time-limit": (value, at, config) => {
    config.timeLimit = duration(value, at);
  },
  "stop-grace": (value, at, config) => {
    config.stopGrace = duration(value, at);
  },
  slurm: checkSlurmTable,
};
