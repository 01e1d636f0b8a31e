/**
 * The numbers at a few tracked paths, read straight from a stored record line's bytes: the byte
 * check that ingest uses (isPlainJsonProbed) walks the line once, and its PathProbe notes where the
 * record's kind and the paths' values lie. A line it cannot vouch for is left to JSON.parse, so
 * every line reads as JSON.parse reads it: not plain JSON (NaN tokens, invalid UTF-8, deep), a
 * watched value that is a list or an object, or a watched key written with escapes. A key written
 * twice is read as JSON.parse reads it: the last one wins.
 */
import { PathProbe } from "../run/path-probe";
import { isPlainJsonProbed, MAX_DEPTH } from "../run/plain-json";
import { asNumber, type PathStep } from "./value-paths";

const TRACK = Buffer.from('"track"');

/** Whether `b[start, end)` is the string "track" written plainly (written with escapes, it is decoded first). */
function isTrack(b: Buffer, start: number, end: number): boolean {
  if (start < 0 || end - start !== TRACK.length) return false;
  for (let i = 0; i < TRACK.length; i++) if (b[start + i] !== TRACK[i]) return false;
  return true;
}

/** Probes made, by paths and kinds: a scan of every run asks for the same one each time. */
const made = new Map<string, SeriesProbe | null>();

export class SeriesProbe {
  private constructor(
    private readonly probe: PathProbe,
    private readonly count: number,
    private readonly parsedKinds: string[],
  ) {}

  /**
   * A reader for tracked paths; null when one goes through lists (`[]`) or into system samples,
   * which are read the usual way. Lines of `parsedKinds` are always left to be parsed.
   */
  static of(paths: PathStep[][], parsedKinds: string[] = []): SeriesProbe | null {
    const key = JSON.stringify([paths, parsedKinds]);
    if (!made.has(key)) made.set(key, SeriesProbe.make(paths, parsedKinds));
    return made.get(key)!;
  }

  private static make(paths: PathStep[][], parsedKinds: string[]): SeriesProbe | null {
    if (paths.some((steps) => steps.some((step) => !("key" in step)) || (steps[0] as { key: string } | undefined)?.key === "system")) return null;
    const watched = [[{ key: "kind" }], ...paths.map((steps) => [{ key: "value" }, ...steps])];
    const probe = PathProbe.of(watched, MAX_DEPTH);
    if (!probe) return null;
    return new SeriesProbe(probe, paths.length, parsedKinds);
  }

  /**
   * Reads the record line `b[start, end)`: hands each number found at path `i` to `add(i, n)` and
   * answers true, or answers false (having handed nothing) when the line must be parsed instead.
   */
  read(b: Buffer, start: number, end: number, add: (index: number, n: number) => void): boolean {
    if (b[start] !== 0x7b /* { */ || !isPlainJsonProbed(b, start, end, this.probe, true) || this.probe.complex) return false;
    if (!isTrack(b, this.probe.starts[0]!, this.probe.ends[0]!)) {
      const kind = this.probe.value(b, 0);
      if (kind !== "track") return typeof kind !== "string" || !this.parsedKinds.includes(kind);
    }
    for (let i = 0; i < this.count; i++) {
      const n = asNumber(this.probe.value(b, i + 1));
      if (n !== null) add(i, n);
    }
    return true;
  }
}
