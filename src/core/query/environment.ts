/**
 * A run's environment as flat facts, the form `compare` and `--where env.X` read: `python` (its
 * version), every package by its normalised name (`torch` -> "2.3.1"), and per GPU `gpu0` (its
 * model), `gpu0.memory_total_bytes`, `driver` and `cuda`.
 */
import { normalizePackageName } from "../context/python-environment";
import type { EnvironmentValue } from "../record/schema";

export function environmentFacts(environment: EnvironmentValue): Record<string, string | number> {
  const facts: Record<string, string | number> = {};
  const python = environment.python;
  if (python) {
    for (const [name, version] of Object.entries(python.packages)) facts[name] = version;
    if (python.version !== null) facts.python = python.version;
  }
  for (const gpu of environment.gpus ?? []) {
    facts[`gpu${gpu.index}`] = gpu.name;
    if (gpu.memory_total_bytes !== null) facts[`gpu${gpu.index}.memory_total_bytes`] = gpu.memory_total_bytes;
    if (gpu.driver !== null) facts.driver = gpu.driver;
    if (gpu.cuda !== null) facts.cuda = gpu.cuda;
  }
  return facts;
}

/** The fact `env.<key>` names: a package by any spelling of its name (`scikit_learn` is `scikit-learn`). */
export function environmentFact(facts: Record<string, string | number>, key: string): string | number | undefined {
  if (Object.hasOwn(facts, key)) return facts[key];
  const name = normalizePackageName(key);
  return Object.hasOwn(facts, name) ? facts[name] : undefined;
}
