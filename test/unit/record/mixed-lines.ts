/** Files of awkward lines for the readers' tests, and what TailReader gives of a file. */
import type { OpenedFile } from "../../../src/core/record/reader";
import { TailReader } from "../../../src/core/record/tail-reader";

/** Every line TailReader gives, last first. */
export function tail(source: string | OpenedFile): string[] {
  const reader = new TailReader(source);
  const lines: string[] = [];
  try {
    for (let line = reader.previous(); line !== null; line = reader.previous()) lines.push(line);
  } finally {
    reader.close();
  }
  return lines;
}

/** A deterministic mix of short, empty, multi-byte and long lines. */
export function mixed(seed: number, count: number): string {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random();
    if (kind < 0.1) lines.push("");
    else if (kind < 0.2) lines.push("é€😀".repeat(1 + Math.floor(random() * 3000)));
    else if (kind < 0.25) lines.push("x".repeat(60_000 + Math.floor(random() * 80_000)));
    else lines.push(`{"i":${i},"pad":"${"a".repeat(Math.floor(random() * 600))}"}`);
  }
  return lines.join("\n") + (random() < 0.5 ? "\n" : "");
}
