/**
 * Values at a few key paths (`metrics.loss`, `step`), found while `isPlainJsonProbed` checks a record
 * line, so that stop rules read a record without parsing it: the check already walks every key.
 * A watched value that is an object, an array, or under a key written with escapes leaves the
 * probe `complex`: that line is then read with JSON.parse.
 */
import type { PathStep } from "../query/value-paths";
import { readNumber } from "./json-number";
import { type NumberBound, UNKNOWN_ORDER } from "./json-number-order";

const BACKSLASH = 0x5c;
const QUOTE = 0x22;

export class PathProbe {
  /**
   * The trie of watched keys in typed arrays (node 0 is the top-level object), read per key of a
   * line: node n's children are `firstChild[n]` to `firstChild[n + 1]`, child c's key is
   * `keyBytes[keyStart[c]..keyStart[c + 1])` and its node `childNode[c]`.
   */
  private readonly firstChild: Int32Array;
  private readonly keyStart: Int32Array;
  private readonly keyBytes: Uint8Array;
  private readonly childNode: Int32Array;
  /** Per node: the index of the path ending there, or -1. */
  private readonly leafOf: Int32Array;
  /**
   * Per node: the paths that end below it, forgotten when a duplicate key gives the node a new
   * value: `leavesUnder[leavesStart[n]..leavesStart[n + 1])`.
   */
  private readonly leavesStart: Int32Array;
  private readonly leavesUnder: Int32Array;
  /** Per node: the length of its shortest child key. */
  private readonly shortestKey: Int32Array;
  /**
   * Per node: bit n set when a key n bytes long (bit 31: 31 or more) may be a child key, or spell
   * one with escapes: when a child key is that long, or it is longer than the shortest child key.
   */
  private readonly askedLengths: Int32Array;
  /** Per path: where its value was found in the line ([start, end)), -1 when it was not. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Per path whose value is a number: where its integer digits end, and where its exponent starts (its end without one). */
  readonly integerEnds: Int32Array;
  readonly exponentStarts: Int32Array;
  /** Where the check notes those two for the number it is reading as a watched value. */
  readonly numberShape = new Int32Array(2);
  /** Per depth: the trie node of the object open at that depth, or -1 when nothing watched is inside (kept by the check). */
  readonly nodeAt: Int32Array;
  complex = false;
  /**
   * Per path: the bound its numbers are placed against once the line is checked (see
   * `quietWhen`), and the orders (bit order + 1) that leave the line quiet; null where none was given.
   */
  private readonly bounds: (NumberBound | null)[];
  private readonly quietOrders: Int32Array;

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
    this.bounds = paths.map(() => null);
    this.quietOrders = new Int32Array(paths.length);
    // The trie as arrays first: per node its children's keys and nodes, the path ending there, the paths below.
    const childKeys: Buffer[][] = [[]];
    const childNodes: number[][] = [[]];
    const leafOf = [-1];
    const leavesUnder: number[][] = [[]];
    paths.forEach((keys, index) => {
      let node = 0;
      keys.forEach((key, depth) => {
        if (depth > 0) leavesUnder[node]!.push(index);
        const bytes = Buffer.from(key);
        const at = childKeys[node]!.findIndex((known) => known.equals(bytes));
        if (at >= 0) {
          node = childNodes[node]![at]!;
          return;
        }
        const created = leafOf.length;
        childKeys.push([]);
        childNodes.push([]);
        leafOf.push(-1);
        leavesUnder.push([]);
        childKeys[node]!.push(bytes);
        childNodes[node]!.push(created);
        node = created;
      });
      leafOf[node] = index;
    });
    const children = childKeys.flat();
    this.keyBytes = Uint8Array.from(Buffer.concat(children));
    this.childNode = Int32Array.from(childNodes.flat());
    this.firstChild = offsets(childKeys.map((keys) => keys.length));
    this.keyStart = offsets(children.map((key) => key.length));
    this.leafOf = Int32Array.from(leafOf);
    this.leavesStart = offsets(leavesUnder.map((leaves) => leaves.length));
    this.leavesUnder = Int32Array.from(leavesUnder.flat());
    this.shortestKey = Int32Array.from(childKeys, (keys) => Math.min(0x7fffffff, ...keys.map((key) => key.length)));
    this.askedLengths = Int32Array.from(childKeys, (keys, node) => {
      let mask = keys.reduce((lengths, key) => lengths | (1 << Math.min(key.length, 31)), 0);
      for (let length = this.shortestKey[node]! + 1; length <= 31; length++) mask |= 1 << length;
      return mask;
    });
  }

  /**
   * The numbers of path `index` are placed against `bound` (see `isQuiet`): a line whose found
   * values are all such numbers, each below, equal to or above its bound as `quiet` allows, is
   * quiet. Its reader can then skip it, knowing on which side of its bound each value lies.
   */
  quietWhen(index: number, bound: NumberBound, quiet: { below: boolean; equal: boolean; above: boolean }): void {
    this.bounds[index] = bound;
    this.quietOrders[index] = (quiet.below ? 1 : 0) | (quiet.equal ? 2 : 0) | (quiet.above ? 4 : 0);
  }

  reset(): void {
    const starts = this.starts;
    for (let k = 0; k < starts.length; k++) starts[k] = -1;
    this.complex = false;
  }

  /**
   * Whether a key `length` bytes long, read in the object of watched `node`, needs `key`: it may be
   * a watched key, or spell one with escapes. Most keys are told apart by their length alone.
   */
  asks(node: number, length: number): boolean {
    return ((this.askedLengths[node]! >>> Math.min(length, 31)) & 1) === 1;
  }

  /** The key `b[start..end)` was read in the object of watched `node`: the node its value is, or -1 when it is not watched. */
  key(node: number, b: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const bytes = this.keyBytes;
    const keyStart = this.keyStart;
    for (let c = this.firstChild[node]!, last = this.firstChild[node + 1]!; c < last; c++) {
      const at = keyStart[c]!;
      if (keyStart[c + 1]! - at !== length) continue;
      let j = 0;
      while (j < length && b[start + j] === bytes[at + j]) j++;
      if (j === length) return this.childNode[c]!;
    }
    // An escaped key may spell a watched one: such a line is read the slow way. Written with an
    // escape, a key takes more bytes than it spells: a key no longer than the shortest watched one cannot.
    if (length > this.shortestKey[node]!) for (let j = start; j < end; j++) if (b[j] === BACKSLASH) this.complex = true;
    return -1;
  }

  /** A container opens as the value of watched `node`: the node of its keys, -1 when it is a list (nothing in it is watched). */
  open(node: number, isObject: boolean): number {
    if (this.leafOf[node]! >= 0) this.complex = true;
    else this.forgetBelow(node);
    return isObject ? node : -1;
  }

  /** A scalar value of watched `node` took `b[start..end)` (a number's shape in `numberShape`). */
  scalar(node: number, start: number, end: number): void {
    const leaf = this.leafOf[node]!;
    if (leaf < 0) {
      this.forgetBelow(node);
      return;
    }
    this.found(leaf, start, end);
  }

  /** The value of path `index` took `b[start..end)` (a number's shape in `numberShape`). */
  found(index: number, start: number, end: number): void {
    this.starts[index] = start;
    this.ends[index] = end;
    this.integerEnds[index] = this.numberShape[0]!;
    this.exponentStarts[index] = this.numberShape[1]!;
  }

  /**
   * Whether the values found in line `b` leave it quiet (see `quietWhen`): each a number placed
   * against its path's bound in a quiet order. Asked after the check, not during it, so the
   * check's compiled code stays as small as it can be.
   */
  isQuiet(b: Uint8Array): boolean {
    const starts = this.starts;
    for (let k = 0; k < starts.length; k++) {
      const start = starts[k]!;
      if (start < 0) continue;
      const bound = this.bounds[k]!;
      const first = b[start]!;
      if (bound === null || !(first === 0x2d || (first >= 0x30 && first <= 0x39))) return false;
      const order = bound.orderOf(b, start, this.integerEnds[k]!, this.exponentStarts[k]!, this.ends[k]!);
      if (order === UNKNOWN_ORDER || ((this.quietOrders[k]! >> (order + 1)) & 1) === 0) return false;
    }
    return true;
  }

  /** A key seen again takes a new value, as in JSON.parse: what was found below it before no longer counts. */
  private forgetBelow(node: number): void {
    const leaves = this.leavesUnder;
    for (let k = this.leavesStart[node]!, last = this.leavesStart[node + 1]!; k < last; k++) this.starts[leaves[k]!] = -1;
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

/** Where each of a list of runs starts when laid end to end, given their lengths, and after the last where they end. */
function offsets(lengths: number[]): Int32Array {
  const at = new Int32Array(lengths.length + 1);
  lengths.forEach((length, i) => {
    at[i + 1] = at[i]! + length;
  });
  return at;
}
