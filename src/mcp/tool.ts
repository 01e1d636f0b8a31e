/**
 * One way to define an MCP tool: a name, a description, a strict input schema, whether it reads
 * or adds to the runs, and an `answer` that calls core. The answer's data is the JSON the
 * matching command prints with `--json`; it goes out as JSON text (what most clients hand the
 * model) and as structured content, after a short summary for clients that show text only. A
 * failure is a tool result with `isError`, never a crashed server: a UserError as its one-line
 * message and hint, anything else as a generic message, with the stack on stderr.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { UserError, usageError } from "../core/errors";
import { visible } from "../render/escape";
import { log } from "../render/log";
import type { ToolContext, Workspace } from "./workspace";

export interface ToolAnswer {
  /** The JSON the command prints with --json. */
  data: unknown;
  /** A line or a few for people: what the data says (untrusted text in it is escaped). */
  summary: string | string[];
}

export interface ToolSpec<S extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** "reads" the runs and the code, or "adds" to them (a tag, a note, a worktree); no tool deletes anything. */
  effect: "reads" | "adds";
  /** For a tool that adds: whether calling it again with the same input changes nothing more. */
  idempotent?: boolean;
  /** Where a list answer sits in the structured content, which must be an object. */
  listKey?: string;
  answer(input: z.infer<z.ZodObject<S>>, context: ToolContext): ToolAnswer | Promise<ToolAnswer>;
}

export function annotationsFor(spec: Pick<ToolSpec<z.ZodRawShape>, "title" | "effect" | "idempotent">): ToolAnnotations {
  if (spec.effect === "reads") return { title: spec.title, readOnlyHint: true, openWorldHint: false };
  return { title: spec.title, readOnlyHint: false, destructiveHint: false, idempotentHint: spec.idempotent === true, openWorldHint: false };
}

export function registerTool<S extends z.ZodRawShape>(server: McpServer, workspace: Workspace, spec: ToolSpec<S>): void {
  server.registerTool(
    spec.name,
    { title: spec.title, description: spec.description, inputSchema: z.strictObject(spec.input), annotations: annotationsFor(spec) },
    async (input: unknown) => {
      const warnings: string[] = [];
      try {
        const held = argumentWithNul(input, "");
        if (held !== null) throw usageError(`${held} holds a NUL byte, which no name, path or expression can hold`);
        const context = await workspace.context((message) => warnings.push(message));
        const answer = await spec.answer(input as z.infer<z.ZodObject<S>>, context);
        return toolResult(answer, warnings, spec.listKey ?? "items");
      } catch (error) {
        return toolError(spec.name, error, warnings);
      }
    },
  );
}

/** The first argument (`name`, `paths[2]`) whose text holds a NUL byte: a command line cannot pass one, and git and the file system refuse it. */
function argumentWithNul(value: unknown, at: string): string | null {
  if (typeof value === "string") return value.includes("\0") ? at : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const held = argumentWithNul(item, `${at}[${index}]`);
      if (held !== null) return held;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const held = argumentWithNul(item, at ? `${at}.${key}` : key);
      if (held !== null) return held;
    }
  }
  return null;
}

const textOf = (lines: string[]) => lines.map(visible).join("\n");

export function toolResult(answer: ToolAnswer, warnings: string[], listKey: string): CallToolResult {
  const structured = answer.data !== null && typeof answer.data === "object" && !Array.isArray(answer.data) ? answer.data : { [listKey]: answer.data };
  return {
    content: [
      { type: "text", text: textOf([answer.summary, ...warnings.map((w) => `warning: ${w}`)].flat()) },
      { type: "text", text: JSON.stringify(answer.data) },
    ],
    structuredContent: structured as Record<string, unknown>,
  };
}

export function toolError(tool: string, error: unknown, warnings: string[] = []): CallToolResult {
  let message: string;
  if (error instanceof UserError) {
    message = error.hint ? `${error.message}; ${error.hint}` : error.message;
  } else {
    log.error(`${tool}:`, error);
    message = `exprag failed on an internal error (${error instanceof Error ? error.message : String(error)}); its stack is on the server's stderr`;
  }
  return { content: [{ type: "text", text: textOf([message, ...warnings.map((w) => `warning: ${w}`)]) }], isError: true };
}
