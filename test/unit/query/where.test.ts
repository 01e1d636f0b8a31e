import { describe, expect, test } from "bun:test";
import { EXIT, UserError } from "../../../src/core/errors";
import {
  combineWhere,
  type Expr,
  evaluateWhere,
  globMatches,
  type Literal,
  type Operand,
  operandsOf,
  parseOperand,
  parseWhere,
} from "../../../src/core/query/where";
import { failureOf } from "../failure";

/** An operand for a path of plain keys: `a.b` -> [a, b]. */
const at = (text: string): Operand => ({ text, segments: text.split(".").map((key) => ({ key })), aggregate: null });
const compare = (operand: string | Operand, op: string, value: Literal): Expr =>
  ({ kind: "compare", operand: typeof operand === "string" ? at(operand) : operand, op, value }) as Expr;
/** `a in [...]` as parsed: each value an `=` comparison. */
const inList = (operand: string, values: Literal[], negated = false): Expr => ({
  kind: "in",
  operand: at(operand),
  options: values.map((value) => compare(operand, "=", value) as Extract<Expr, { kind: "compare" }>),
  negated,
});
const a1 = compare("a", "=", 1);
const b2 = compare("b", "=", 2);
const c3 = compare("c", "=", 3);

describe("parseWhere: operators", () => {
  test.each<[string, Expr]>([
    ["a = 1", a1],
    ["a == 1", a1],
    ["a=1", a1],
    ["a != 1", compare("a", "!=", 1)],
    ["a", compare("a", "=", true)],
    ["not a", { kind: "not", item: compare("a", "=", true) }],
    ["a and b = 2", { kind: "and", items: [compare("a", "=", true), b2] }],
    ["(a)", compare("a", "=", true)],
    ["a < 1", compare("a", "<", 1)],
    ["a <= 1", compare("a", "<=", 1)],
    ["a > 1", compare("a", ">", 1)],
    ["a >= 1", compare("a", ">=", 1)],
    ["a ~ sweep:*", { kind: "match", operand: at("a"), pattern: "sweep:*" }],
    ["a ~ 1", { kind: "match", operand: at("a"), pattern: "1" }],
    ["a ~ 1.50", { kind: "match", operand: at("a"), pattern: "1.50" }],
    ["a ~ true", { kind: "match", operand: at("a"), pattern: "true" }],
    ["a in [1, 'x', y, true, null]", inList("a", [1, "x", "y", true, null])],
    ["a in[1,2]", inList("a", [1, 2])],
    ["a not in [1]", inList("a", [1], true)],
    ["a in []", inList("a", [])],
    ["a in[]", inList("a", [])],
    ["a in [ ]", inList("a", [])],
  ])("%s", (text, expected) => {
    expect(parseWhere(text)).toEqual(expected);
  });
});

describe("parseWhere: a literal on the left flips the operator", () => {
  test.each<[string, Expr]>([
    ["1 = a", a1],
    ["1 != a", compare("a", "!=", 1)],
    ["1 < a", compare("a", ">", 1)],
    ["1 <= a", compare("a", ">=", 1)],
    ["1 > a", compare("a", "<", 1)],
    ["1 >= a", compare("a", "<=", 1)],
    ["'x' = a", compare("a", "=", "x")],
    ["true = a", compare("a", "=", true)],
    ["null != a", compare("a", "!=", null)],
    ["'sw*' ~ a", { kind: "match", operand: at("a"), pattern: "sw*" }],
    ["0.9 < max(metrics.acc)", compare({ ...at("metrics.acc"), text: "max(metrics.acc)", aggregate: "max" }, ">", 0.9)],
  ])("%s", (text, expected) => {
    expect(parseWhere(text)).toEqual(expected);
  });
});

describe("parseWhere: literals", () => {
  test.each<[string, Literal]>([
    ["a = 0", 0],
    ["a = -1.5e-3", -0.0015],
    ["a = 1E3", 1000],
    ["a = 12.25", 12.25],
    ['a = "x y"', "x y"],
    ["a = 'x y'", "x y"],
    ['a = ""', ""],
    ['a = "say \\"hi\\""', 'say "hi"'],
    ["a = 'it\\'s'", "it's"],
    ["a = 'a\"b'", 'a"b'],
    ['a = "back\\\\slash"', "back\\slash"],
    ['a = "C:\\data"', "C:\\data"],
    ['a = "42"', "42"],
    ['a = "true"', "true"],
    ["a = ok", "ok"],
    ["a = 2026-11-01", "2026-11-01"],
    ["a = 2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z"],
    ["a = sweep:*", "sweep:*"],
    ["a = '.5'", ".5"],
    ["a = 007", "007"],
    ["a = '+1'", "+1"],
    ["a = true", true],
    ["a = FALSE", false],
    ["a = Null", null],
  ])("%s", (text, value) => {
    expect(parseWhere(text)).toEqual(compare("a", "=", value));
  });
});

describe("parseWhere: precedence, parentheses and keyword case", () => {
  test.each<[string, Expr]>([
    ["a = 1 or b = 2 and c = 3", { kind: "or", items: [a1, { kind: "and", items: [b2, c3] }] }],
    ["a = 1 and b = 2 or c = 3", { kind: "or", items: [{ kind: "and", items: [a1, b2] }, c3] }],
    ["a = 1 and b = 2 and c = 3", { kind: "and", items: [a1, b2, c3] }],
    ["not a = 1 and b = 2", { kind: "and", items: [{ kind: "not", item: a1 }, b2] }],
    ["not a = 1 or b = 2", { kind: "or", items: [{ kind: "not", item: a1 }, b2] }],
    ["not (a = 1 and b = 2)", { kind: "not", item: { kind: "and", items: [a1, b2] } }],
    ["not not a = 1", { kind: "not", item: { kind: "not", item: a1 } }],
    ["(a = 1 or b = 2) and c = 3", { kind: "and", items: [{ kind: "or", items: [a1, b2] }, c3] }],
    ["((a = 1))", a1],
    ["a = 1 AND b = 2 Or c = 3", { kind: "or", items: [{ kind: "and", items: [a1, b2] }, c3] }],
    ["NOT a = 1", { kind: "not", item: a1 }],
    ["a NOT IN [1]", inList("a", [1], true)],
  ])("%s", (text, expected) => {
    expect(parseWhere(text)).toEqual(expected);
  });
});

describe("parseWhere: paths and aggregates", () => {
  test.each<[string, Operand]>([
    ["params.lr", at("params.lr")],
    ["meta.hparams.batch_size", at("meta.hparams.batch_size")],
    ["value.metrics.acc", at("value.metrics.acc")],
    ["status", at("status")],
    ["count", at("count")],
    ["-x", at("-x")],
    ["constructor", at("constructor")],
    ["$ref.v2", at("$ref.v2")],
    ["métrique.précision", at("métrique.précision")],
    ["layers[].loss", { text: "layers[].loss", segments: [{ key: "layers" }, { each: true }, { key: "loss" }], aggregate: null }],
    ["grid[][]", { text: "grid[][]", segments: [{ key: "grid" }, { each: true }, { each: true }], aggregate: null }],
    ["metrics.`-odd key`", { text: "metrics.`-odd key`", segments: [{ key: "metrics" }, { key: "-odd key" }], aggregate: null }],
    ["`a.b`.c", { text: "`a.b`.c", segments: [{ key: "a.b" }, { key: "c" }], aggregate: null }],
    ["`a\\`b\\\\`", { text: "`a\\`b\\\\`", segments: [{ key: "a`b\\" }], aggregate: null }],
    ["`x = (1)`[]", { text: "`x = (1)`[]", segments: [{ key: "x = (1)" }, { each: true }], aggregate: null }],
    ["last(metrics.acc)", { ...at("metrics.acc"), text: "last(metrics.acc)", aggregate: "last" }],
    ["first(metrics.acc)", { ...at("metrics.acc"), text: "first(metrics.acc)", aggregate: "first" }],
    ["min(metrics.acc)", { ...at("metrics.acc"), text: "min(metrics.acc)", aggregate: "min" }],
    ["max(metrics.acc)", { ...at("metrics.acc"), text: "max(metrics.acc)", aggregate: "max" }],
    ["mean(metrics.acc)", { ...at("metrics.acc"), text: "mean(metrics.acc)", aggregate: "mean" }],
    ["count(metrics.acc)", { ...at("metrics.acc"), text: "count(metrics.acc)", aggregate: "count" }],
    ["MAX( metrics.acc )", { ...at("metrics.acc"), text: "max(metrics.acc)", aggregate: "max" }],
    ["max (layers[].loss)", { text: "max(layers[].loss)", segments: [{ key: "layers" }, { each: true }, { key: "loss" }], aggregate: "max" }],
  ])("%s", (text, operand) => {
    expect(parseWhere(`${text} > 1`)).toEqual(compare(operand, ">", 1));
  });
});

describe("parseWhere: errors name the column and what was expected", () => {
  test.each([
    ["", "column 1: expected a condition, like metrics.acc > 0.9, found the end"],
    ["   ", "column 1: expected a condition, like metrics.acc > 0.9, found the end"],
    ["(a = 1", "column 7: expected ')' to close the '(' at column 1, found the end"],
    ["x = .5", "column 5: '.5' is not a number as JSON writes one: write 0.5, or quote it for the text"],
    ["x in [1, +2]", "column 10: '+2' is not a number as JSON writes one: write 2, or quote it for the text"],
    ["((a = 1) and b = 2", "column 19: expected ')' to close the '(' at column 1, found the end"],
    ['a = "abc', 'column 5: expected a closing " for the string that starts here, found the end'],
    ["a = 'abc", "column 5: expected a closing ' for the string that starts here, found the end"],
    ["x in [1, 2", "column 11: expected ',' or ']' to close the list opened at column 6, found the end"],
    ["x in [1 2]", "column 9: expected ',' or ']' to close the list opened at column 6, found 2"],
    ["x in [1,]", "column 9: expected a value after ',', found ']'"],
    ["x in 1", "column 6: expected '[' after 'in', like in [a, b], found 1"],
    ["a 1", "column 3: expected an operator (= != < <= > >= ~ in) after 'a', found 1"],
    ["a = 1 and", "column 10: expected a condition after 'and', found the end"],
    ["a = 1 AND", "column 10: expected a condition after 'AND', found the end"],
    ["a = 1 or", "column 9: expected a condition after 'or', found the end"],
    ["and a = 1", "column 1: expected a condition, like metrics.acc > 0.9, found 'and'"],
    ["a = 1 and or b = 2", "column 11: expected a condition after 'and', found 'or'"],
    ["not", "column 4: expected a condition after 'not', found the end"],
    ["()", "column 2: expected a condition after '(', found ')'"],
    ["42", "column 3: expected an operator after 42, found the end"],
    ['"x"', 'column 4: expected an operator after "x", found the end'],
    ["1 < 2", "column 5: expected a path after '<' (one side of a comparison must be a path), found 2"],
    ["1 in [1]", "column 3: 'in' needs a path on its left, like tags in [a, b]"],
    ["maxx(a) > 1", "column 1: unknown function 'maxx' (use last, first, min, max, mean or count)"],
    ["max() > 1", "column 5: expected a path inside max(), like max(metrics.acc), found ')'"],
    ["max(a > 1", "column 7: expected ')' after max(a, found '>'"],
    ["max(min(a)) > 1", "column 5: expected a path inside max() (functions do not nest), found 'min('"],
    ["a > max(b)", "column 5: expected a value after '>' (paths and functions go on the left), found 'max('"],
    ["a = 1 b", "column 7: expected 'and', 'or' or the end, found 'b'"],
    ["a = 1)", "column 6: expected 'and', 'or' or the end, found ')'"],
    ["metrics.acc >", "column 14: expected a value after '>', found the end"],
    ["metrics.acc >   ", "column 14: expected a value after '>', found the end"],
    ["a = and", "column 5: expected a value after '=', found 'and'"],
    ["a..b = 1", "column 3: expected a key (letters, digits, _ - $ /, or a `quoted key`) in the path, found '.'"],
    ["a. = 1", "column 3: expected a key (letters, digits, _ - $ /, or a `quoted key`) in the path, found the end"],
    [".a = 1", "column 1: expected a key (letters, digits, _ - $ /, or a `quoted key`) in the path, found '.'"],
    ["a:b = 1", "column 2: expected '.' or '[]' after a key in the path, found ':' (quote odd keys in backticks)"],
    ["a[]b = 1", "column 4: expected '.' or '[]' after a key in the path, found 'b' (quote odd keys in backticks)"],
    ["`x = 1", "column 1: expected a closing ` for the key that starts here, found the end"],
    ["a.`b = 1", "column 3: expected a closing ` for the key that starts here, found the end"],
    ["dirty < true", "column 7: true can only be compared with = or !=, not '<'"],
    ["true > dirty", "column 6: true can only be compared with = or !=, not '>'"],
    ["x >= null", "column 3: null can only be compared with = or !=, not '>='"],
    ["a ! b", "column 3: expected '!=' (or 'not' to negate), found '!'"],
    ["naïve = 1 and", "column 14: expected a condition after 'and', found the end"],
    ['tag = "🙂" and', "column 14: expected a condition after 'and', found the end"],
  ])("%p", (text, message) => {
    let thrown: unknown;
    try {
      parseWhere(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect(thrown).toMatchObject({ message: `--where: ${message}`, exitCode: EXIT.usage, hint: "see 'exprag ls --help'" });
  });
});

describe("evaluateWhere: one operand", () => {
  test.each<[string, unknown, boolean]>([
    // numbers
    ["x = 1", 1, true],
    ["x = 1", 2, false],
    ["x = 0", -0, true],
    ["x != 1", 2, true],
    ["x != 1", 1, false],
    ["x < 1", 0.5, true],
    ["x < 1", 1, false],
    ["x <= 1", 1, true],
    ["x <= 1", 1.5, false],
    ["x > 1", 2, true],
    ["x > 1", 1, false],
    ["x >= 1", 1, true],
    ["x >= 1", 0, false],
    ["0.9 < x", 0.95, true],
    ["0.9 < x", 0.8, false],
    // a missing value fails every operator; not negates that
    ["x = 1", undefined, false],
    ["x != 1", undefined, false],
    ["x < 1", undefined, false],
    ["x ~ *", undefined, false],
    ["x in [1]", undefined, false],
    ["x not in [1]", undefined, false],
    ["x = null", undefined, false],
    ["x != null", undefined, false],
    ["not x = 1", undefined, true],
    // NaN, stored or not, fails every operator; infinities are numbers
    ["x != 1", Number.NaN, false],
    ["x != 1", "NaN", false],
    ["x < 1", "NaN", false],
    ["x = NaN", "NaN", false],
    ["x != NaN", "NaN", false],
    ["x not in [1]", "NaN", false],
    ["not x = 1", "NaN", true],
    ["x > 1e308", "Infinity", true],
    ["x < 0", "-Infinity", true],
    ["x = 1e999", "Infinity", true],
    ["x = Infinity", "Infinity", false],
    ["x ~ Inf*", "Infinity", false],
    // number literals against strings
    ["x < 0.1", "0.03", true],
    ["x = 0.03", "0.03", true],
    ["x = 0.03", "3e-2", true],
    ["x in [1]", "1", true],
    ["x = 1", " 1", false],
    ["x > 1", "abc", false],
    ["x <= 1", "abc", false],
    ["x = 1", "abc", false],
    ["x != 1", "abc", true],
    // string literals
    ["s = ok", "ok", true],
    ["s = ok", "OK", false],
    ["s != ok", "no", true],
    ["s != ok", "ok", false],
    ["s < b", "a", true],
    ["s >= b", "a", false],
    ["started_at > 2026-11-01", "2026-11-02T08:00:00Z", true],
    ["started_at > 2026-11-01", "2026-10-31T23:59:59Z", false],
    // Integer text past 2^53 (a seed kept exact) against an integer literal: exactly, not as doubles.
    ["seed = 12345678901234567891", "12345678901234567891", true],
    ["seed = 12345678901234567891", "12345678901234567892", false],
    ["seed != 12345678901234567891", "12345678901234567892", true],
    ["seed < 12345678901234567892", "12345678901234567891", true],
    ["seed >= 12345678901234567892", "12345678901234567891", false],
    ["seed = 12345678901234567891", Number("12345678901234567891"), true],
    // `in` reads each value as `=` does.
    ["seed in [1, 12345678901234567891]", "12345678901234567891", true],
    ["seed in [1, 12345678901234567892]", "12345678901234567891", false],
    ["seed not in [12345678901234567892]", "12345678901234567891", true],
    ["seed not in [12345678901234567891]", "12345678901234567891", false],
    // Two zoned times compare as moments: 08:00Z is 13:00+05:00.
    ["started_at > '2026-11-02T12:00:00+05:00'", "2026-11-02T08:00:00Z", true],
    ["started_at < '2026-11-02T12:00:00+05:00'", "2026-11-02T08:00:00Z", false],
    ["started_at = '2026-11-02T13:00:00.000+05:00'", "2026-11-02T08:00:00Z", true],
    ["started_at >= '2026-11-02T13:00+05:00'", "2026-11-02T08:00:00.000Z", true],
    ['s = "1"', 1, false],
    ['s != "1"', 1, true],
    ['s < "b"', 1, false],
    // globs
    ["s ~ sweep:*", "sweep:lr", true],
    ["s ~ sweep:*", "Sweep:lr", false],
    ["s ~ ab", "abc", false],
    ["s ~ a?c", "abc", true],
    ["s ~ a?c", "ac", false],
    ["s ~ '*'", "", true],
    ["s ~ 'a*b'", "a-b-b", true],
    ["s ~ 1", "1", true],
    ["s ~ 'a*'", 3, false],
    ["s ~ '*'", null, false],
    // booleans and null
    ["d = true", true, true],
    ["d = true", "true", false],
    ["d = true", 1, false],
    ["d != true", false, true],
    ["d = false", 0, false],
    ["x = null", null, true],
    ["x = null", 0, false],
    ["x != null", 0, true],
    ["x != null", null, false],
    ["x < 1", null, false],
    ["x = 0", false, false],
    // objects
    ["x = 1", { a: 1 }, false],
    ["x != 1", { a: 1 }, true],
    ["x < 1", {}, false],
    ["x ~ '*'", {}, false],
    ["x not in [1]", {}, true],
    // lists: any element for = < ~ in, none for != and not in
    ["tags = a", ["a", "b"], true],
    ["tags = a", ["b"], false],
    ["tags = a", [], false],
    ["tags != a", ["b"], true],
    ["tags != a", ["a", "b"], false],
    ["tags != a", [], true],
    ["tags ~ sw*", ["x", "sweep"], true],
    ["tags ~ sw*", ["x"], false],
    ["tags in [a, c]", ["c"], true],
    ["tags in [a, c]", ["b"], false],
    ["tags not in [a, c]", ["b"], true],
    ["tags not in [a, c]", ["b", "c"], false],
    ["tags not in [a, c]", [], true],
    ["layers[].loss < 0.5", [1, 0.2], true],
    ["layers[].loss < 0.5", [1, 2], false],
    ["x = 1", [Number.NaN, 1], true],
    ["x = NaN", ["NaN"], false],
    ["x != 1", ["NaN"], true],
    ["x = 0.5", ["0.5"], true],
    ["x = 1", [[1]], false],
    // in
    ["x in [1, a, true, null]", 1, true],
    ["x in [1, a, true, null]", "a", true],
    ["x in [1, a, true, null]", true, true],
    ["x in [1, a, true, null]", null, true],
    ["x in [1, a, true, null]", 2, false],
    ["x in []", 1, false],
    ["x not in [1, 2]", 3, true],
    ["x not in [1, 2]", 1, false],
    ["x not in []", 1, true],
  ])("%s with %p is %p", (text, value, expected) => {
    expect(evaluateWhere(parseWhere(text), () => value)).toBe(expected);
  });
});

describe("evaluateWhere: several operands", () => {
  const run: Record<string, unknown> = { "meta.lr": 0.03, "max(metrics.acc)": 0.93, a: 1, b: 0, c: 0, status: "ok" };
  const resolve = (operand: Operand) => run[operand.text];

  test.each<[string, boolean]>([
    ["meta.lr < 0.1 and max(metrics.acc) > 0.9", true],
    ["meta.lr < 0.01 and max(metrics.acc) > 0.9", false],
    ["meta.lr < 0.01 or max(metrics.acc) > 0.9", true],
    ["a = 1 or b = 1 and c = 1", true],
    ["(a = 1 or b = 1) and c = 1", false],
    ["not a = 1 or status = ok", true],
    ["not (a = 1 or status = ok)", false],
    ["missing.path = 1 or a = 1", true],
    ["not missing.path = 1", true],
  ])("%s is %p", (text, expected) => {
    expect(evaluateWhere(parseWhere(text), resolve)).toBe(expected);
  });

  test("hands each operand's segments and aggregate to resolve", () => {
    const seen: Operand[] = [];
    evaluateWhere(parseWhere("count(layers[].`-x`) >= 3"), (operand) => {
      seen.push(operand);
      return 3;
    });
    expect(seen).toEqual([{ text: "count(layers[].`-x`)", segments: [{ key: "layers" }, { each: true }, { key: "-x" }], aggregate: "count" }]);
  });
});

describe("operandsOf and combineWhere", () => {
  test("lists every operand once, in order of appearance", () => {
    const expr = parseWhere("a = 1 and (max(b) > 2 or a != 3) and not c in [1] and MAX( b ) < 5");
    expect(operandsOf(expr).map((operand) => operand.text)).toEqual(["a", "max(b)", "c"]);
  });

  test("no flags give no condition; one flag is itself; several must all hold", () => {
    expect(combineWhere([])).toBeNull();
    expect(combineWhere([a1])).toBe(a1);
    expect(combineWhere([a1, b2])).toEqual({ kind: "and", items: [a1, b2] });
    const both = combineWhere([parseWhere("a = 1"), parseWhere("b = 2 or b = 0")])!;
    expect(evaluateWhere(both, (operand) => ({ a: 1, b: 0 })[operand.text])).toBe(true);
    expect(evaluateWhere(both, (operand) => ({ a: 2, b: 0 })[operand.text])).toBe(false);
  });
});

describe("parseOperand (--columns, --sort, --group-by)", () => {
  test("a path or an aggregate is an operand", () => {
    expect(parseOperand("max(metrics.acc)", "--sort")).toMatchObject({ text: "max(metrics.acc)" });
    expect(parseOperand("params.lr", "--columns")).toMatchObject({ text: "params.lr" });
  });

  test.each(["metrics.acc > 1", "a b", ",", "[]", "max(", "a = 1 or b"])("%p is not one, and is said to be none", (text) => {
    expect(failureOf(() => parseOperand(text, "--sort"))).toEqual([2, `--sort: expected a path or an aggregate such as max(metrics.acc), got "${text}"`]);
  });
});

describe("globMatches", () => {
  test.each<[string, string, boolean]>([
    ["*", "", true],
    ["?", "", false],
    ["?", "🙂", true],
    ["a*", "abc", true],
    ["*c", "abc", true],
    ["a*c", "ac", true],
    ["a*c", "abcd", false],
    ["*a*b", "xaxxab", true],
    ["**", "x", true],
    ["a.c", "abc", false],
    ["(x)", "(x)", true],
    ["*a*a*a*a*a*b", "a".repeat(5000), false],
  ])("%p against %p is %p", (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe("parseWhere: elapsed reads durations as seconds", () => {
  test.each<[string, Expr]>([
    ["elapsed > 10m", compare("elapsed", ">", 600)],
    ["elapsed <= 1.5h", compare("elapsed", "<=", 5400)],
    ["elapsed > 500ms", compare("elapsed", ">", 0.5)],
    ["elapsed > 90", compare("elapsed", ">", 90)],
    ["90 < elapsed", compare("elapsed", ">", 90)],
    ["meta.x = 10m", compare("meta.x", "=", "10m")],
    ["elapsed in [90s, 2]", { kind: "in", operand: at("elapsed"), options: [compare("elapsed", "=", 90), compare("elapsed", "=", 2)], negated: false } as Expr],
  ])("%s", (text, expected) => {
    expect(parseWhere(text)).toEqual(expected);
  });

  test("anything else beside elapsed is a usage error naming the column", () => {
    expect(() => parseWhere("elapsed > soon")).toThrow("--where: column 11: elapsed compares with seconds or a duration such as 90s, 10m, 2h, found 'soon'");
    expect(() => parseWhere("elapsed in [90s, soon]")).toThrow(
      "--where: column 18: elapsed compares with seconds or a duration such as 90s, 10m, 2h, found 'soon'",
    );
  });

  test("a number against a number: NaN fails every operator, != included; infinities are numbers", () => {
    const ops: Record<string, (x: number) => boolean> = {
      "=": (x) => x === 2,
      "!=": (x) => x !== 2,
      "<": (x) => x < 2,
      "<=": (x) => x <= 2,
      ">": (x) => x > 2,
      ">=": (x) => x >= 2,
    };
    for (const value of [1, 2, 3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const [op, holds] of Object.entries(ops)) {
        expect([value, op, evaluateWhere(compare("a", op, 2), () => value)]).toEqual([value, op, !Number.isNaN(value) && holds(value)]);
      }
    }
  });
});
