import { describe, expect, test } from "bun:test";
import { EXIT, UserError } from "../../../src/core/errors";
import { annotationsFor, toolError, toolResult } from "../../../src/mcp/tool";
import { log } from "../../../src/render/log";

describe("a tool's result", () => {
  test("a summary, then the command's JSON as text, and the same data as structured content", () => {
    const data = { run_id: "r", tags: ["best"] };
    expect(toolResult({ data, summary: "run r: tags best" }, [], "items")).toEqual({
      content: [
        { type: "text", text: "run r: tags best" },
        { type: "text", text: '{"run_id":"r","tags":["best"]}' },
      ],
      structuredContent: data,
    });
  });

  test("a list sits under its key in the structured content, which must be an object", () => {
    const result = toolResult({ data: [{ a: 1 }], summary: ["1 run", "r ok"] }, [], "runs");
    expect(result.structuredContent).toEqual({ runs: [{ a: 1 }] });
    expect(result.content[0]).toEqual({ type: "text", text: "1 run\nr ok" });
    expect(result.content[1]).toEqual({ type: "text", text: '[{"a":1}]' });
  });

  test("warnings follow the summary; untrusted text in either is escaped, line by line, and the JSON stays exact", () => {
    const result = toolResult({ data: { name: "a\u001b]0;x\u0007" }, summary: ["run \u001b[2Jname", "second"] }, ["cannot read\nthis"], "items");
    expect(result.content[0]).toEqual({ type: "text", text: "run \\e[2Jname\nsecond\nwarning: cannot read\\nthis" });
    expect(JSON.parse((result.content[1] as { text: string }).text)).toEqual({ name: "a\u001b]0;x\u0007" });
  });
});

describe("a tool's failure", () => {
  test("a UserError is its one-line message and hint, as the command line says it", () => {
    expect(toolError("show_run", new UserError("'x' is not a run reference", EXIT.usage, "use a run id"))).toEqual({
      content: [{ type: "text", text: "'x' is not a run reference; use a run id" }],
      isError: true,
    });
    expect(toolError("show_run", new UserError("no runs in /s", EXIT.failure), ["a warning"])).toEqual({
      content: [{ type: "text", text: "no runs in /s\nwarning: a warning" }],
      isError: true,
    });
  });

  test("any other error is a generic message pointing at stderr, where its stack goes", () => {
    const logged: unknown[][] = [];
    const reporters = log.options.reporters;
    log.setReporters([{ log: (entry) => logged.push(entry.args) }]);
    let result: ReturnType<typeof toolError>;
    try {
      result = toolError("list_runs", new TypeError("x is undefined"));
    } finally {
      log.setReporters(reporters);
    }
    expect(result).toEqual({
      content: [{ type: "text", text: "exprag failed on an internal error (x is undefined); its stack is on the server's stderr" }],
      isError: true,
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toBe("list_runs:");
    expect((logged[0]![1] as Error).stack).toContain("TypeError: x is undefined");
  });
});

describe("a tool's annotations", () => {
  test("a tool that reads is read-only; one that adds is neither read-only nor destructive, idempotent when it says so", () => {
    expect(annotationsFor({ title: "List runs", effect: "reads" })).toEqual({ title: "List runs", readOnlyHint: true, openWorldHint: false });
    expect(annotationsFor({ title: "Tag a run", effect: "adds", idempotent: true })).toEqual({
      title: "Tag a run",
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(annotationsFor({ title: "Add a note", effect: "adds" })).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
  });
});
