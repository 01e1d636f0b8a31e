/** The `[slurm]` table: sbatch options every Slurm sweep gets. */
import { EXIT, UserError } from "../errors";
import type { ProjectConfig, SlurmConfig } from "./project-config";
import { isTable, text, type Where, wrongType } from "./values";

export function checkSlurmTable(value: unknown, at: Where, config: ProjectConfig): void {
  if (!isTable(value)) throw wrongType(at, "a table ([slurm]) of partition, time, gpus and extra", value);
  const slurm: SlurmConfig = {};
  for (const [key, item] of Object.entries(value)) {
    const inner = { ...at, key: `${at.key}.${key}` };
    if (key === "partition" || key === "time") slurm[key] = text(item, inner);
    else if (key === "gpus") {
      if (typeof item !== "number" || !Number.isSafeInteger(item) || item < 0) throw wrongType(inner, "a whole number of GPUs per task", item);
      slurm.gpus = item;
    } else if (key === "extra") {
      if (!Array.isArray(item) || !item.every((word) => typeof word === "string" && word.startsWith("-") && !word.includes("\0")))
        throw wrongType(inner, 'a list of sbatch options such as ["--qos=low", "--account=lab"]', item);
      slurm.extra = item;
    } else throw new UserError(`${at.file}: unknown key "${key}" in [slurm]`, EXIT.usage, "[slurm] takes partition, time, gpus and extra");
  }
  config.slurm = slurm;
}
