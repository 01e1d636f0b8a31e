/**
 * Values at a few key paths (`metrics.loss`, `step`), found while `isPlainJson` checks a record
 * line, so that stop rules read a record without parsing it: the check already walks every key.
 * A watched value that is an object, an array, or under a key written with escapes leaves the
 * probe `complex`: that line is then read with JSON.parse.
 */
import type { PathStep } from "../query/value-paths";
import { readNumber } from "./json-number";

const BACKSLASH = 0x5c;
const QUOTE = 0x22;

export class PathProbe {
  /** Per trie node: its children's keys (bytes) and node numbers; node 0 is the top-level object. */
  private readonly childKeys: Buffer[][] = [[]];
  private readonly childNodes: number[][] = [[]];
  /** Per node: the index of the path ending there, or -1. */
  private readonly leafOf: number[] = [-1];
  /** Per node: the paths that end below it, forgotten when a duplicate key gives the node a new value. */
  private readonly leavesUnder: number[][] = [[]];
  /** Per node: the length of its shortest child key. */
  private readonly shortestKey: Int32Array;
  /** Per node: bit n set when a child key is n bytes long (bit 31: 31 or more). */
  private readonly keyLengths: Int32Array;
  /** Per path: where its value was found in the line ([start, end)), -1 when it was not. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Per path whose value is a number: where its integer digits end, and where its exponent starts (its end without one). */
  readonly integerEnds: Int32Array;
  readonly exponentStarts: Int32Array;
  /** Where the check notes those two for the number it is reading as a watched value. */
  readonly numberShape = new Int32Array(2);
  /** Per depth: the trie node of the object open at that depth, or -1 when nothing watched is inside. */
  readonly nodeAt: Int32Array;
  /** The node of the key just read, whose value comes next; -1 when it is not watched. */
  pending = -1;
  complex = false;

  /** A probe for these paths (keys only); null when one goes through lists (`[]`) or is the whole value. */
  static of(paths: PathStep[][], maxDepth: number): PathProbe | null {
    if (!paths.length || paths.some((steps) => !steps.length || steps.some((step) => !("key" in step)))) return null;
    return new PathProbe(
      paths.map((steps) => steps.map((step) => (step as { key: string }).key)),
      maxDepth,
    );
  }

  private constructor(paths: string[][], maxDepth: number) {
    this.starts = new Int32Array(paths.length);
    this.ends = new Int32Array(paths.length);
    this.integerEnds = new Int32Array(paths.length);
    this.exponentStarts = new Int32Array(paths.length);
    this.nodeAt = new Int32Array(maxDepth + 2);
    paths.forEach((keys, index) => {
      let node = 0;
      for (const key of keys) {
        const bytes = Buffer.from(key);
        const at = this.childKeys[node]!.findIndex((known) => known.equals(bytes));
        if (at >= 0) {
          node = this.childNodes[node]![at]!;
          continue;
        }
        const created = this.leafOf.length;
        this.childKeys.push([]);
        this.childNodes.push([]);
        this.leafOf.push(-1);
        this.leavesUnder.push([]);
        this.childKeys[node]!.push(bytes);
        this.childNodes[node]!.push(created);
        node = created;
      }
      this.leafOf[node] = index;
    });
    this.shortestKey = Int32Array.from(this.childKeys, (keys) => Math.min(0x7fffffff, ...keys.map((key) => key.length)));
    this.keyLengths = Int32Array.from(this.childKeys, (keys) => keys.reduce((mask, key) => mask | (1 << Math.min(key.length, 31)), 0));
    paths.forEach((keys, index) => {
      let node = 0;
      for (const key of keys.slice(0, -1)) {
        node = this.childNodes[node]![this.childKeys[node]!.findIndex((known) => known.equals(Buffer.from(key)))]!;
        this.leavesUnder[node]!.push(index);
      }
    });
  }

  reset(): void {
    const starts = this.starts;
    for (let k = 0; k < starts.length; k++) starts[k] = -1;
    this.complex = false;
    this.pending = 0;
  }

  /**
   * Whether a key `length` bytes long, read in the object at `depth`, needs `key`: it may be a
   * watched key, or spell one with escapes. Most keys are told apart by their length alone.
   */
  asks(depth: number, length: number): boolean {
    const node = this.nodeAt[depth]!;
    return node >= 0 && (((this.keyLengths[node]! >>> Math.min(length, 31)) & 1) === 1 || length > this.shortestKey[node]!);
  }

  /** The key `b[start..end)` was read in the object at `depth`: which node its value is, if watched. */
  key(b: Uint8Array, start: number, end: number, depth: number): void {
    const node = this.nodeAt[depth]!;
    this.pending = -1;
    if (node < 0) return;
    const keys = this.childKeys[node]!;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length !== end - start) continue;
      let same = true;
      for (let j = 0; j < key.length; j++) {
        if (b[start + j] !== key[j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.pending = this.childNodes[node]![k]!;
        return;
      }
    }
    // An escaped key may spell a watched one: such a line is read the slow way. Written with an
    // escape, a key takes more bytes than it spells: a key no longer than the shortest watched one cannot.
    if (end - start <= this.shortestKey[node]!) return;
    for (let j = start; j < end; j++) if (b[j] === BACKSLASH) this.complex = true;
  }

  /** A container opens at `depth` as the value of the pending key (or at the top). */
  open(depth: number, isObject: boolean): void {
    const node = this.pending;
    this.pending = -1;
    if (node >= 0) {
      if (this.leafOf[node]! >= 0) this.complex = true;
      else this.forgetBelow(node);
    }
    this.nodeAt[depth] = isObject ? node : -1;
  }

  /** A scalar value took `b[start..end)` (a number's shape in `numberShape`). */
  scalar(start: number, end: number): void {
    const node = this.pending;
    this.pending = -1;
    if (node < 0) return;
    const leaf = this.leafOf[node]!;
    if (leaf < 0) {
      this.forgetBelow(node);
      return;
    }
    this.starts[leaf] = start;
    this.ends[leaf] = end;
    this.integerEnds[leaf] = this.numberShape[0]!;
    this.exponentStarts[leaf] = this.numberShape[1]!;
  }

  /** A key seen again takes a new value, as in JSON.parse: what was found below it before no longer counts. */
  private forgetBelow(node: number): void {
    const leaves = this.leavesUnder[node]!;
    for (let k = 0; k < leaves.length; k++) this.starts[leaves[k]!] = -1;
  }

  /** The value found for path `index` in line `b` (undefined when the line has none). */
  value(b: Buffer, index: number): unknown {
    const start = this.starts[index]!;
    if (start < 0) return undefined;
    const end = this.ends[index]!;
    const first = b[start]!;
    if (first === QUOTE) {
      for (let j = start + 1; j < end - 1; j++) if (b[j] === BACKSLASH) return JSON.parse(b.toString("utf8", start, end));
      return b.toString("utf8", start + 1, end - 1);
    }
    if (first === 0x74 /* t */) return true;
    if (first === 0x66 /* f */) return false;
    if (first === 0x6e /* n */) return null;
    return readNumber(b, start, end);
  }
}
