/**
 * Where the tools look: the store is `--dir`, else `EXPRAG_DIR` (both read from the directory
 * the server started in), else found as the command line finds it, from the working directory.
 * The working directory is the first `file://` root the client names, when it names any (asked
 * once, and again after it says they changed), else the directory the client started the server
 * in. Found again for every call, so a store made after the server started is seen.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { RootsListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { AnswerContext } from "../core/answers/context";
import { storeNamed } from "../core/store";
import { resolveStoreDir } from "../core/store-location";
import { log } from "../render/log";

/** What a tool is given: the context of the answers it calls, and who called. */
export interface ToolContext extends AnswerContext {
  /** The client, as it named itself when it connected. */
  clientName: string | null;
}

export interface WorkspaceOptions {
  /** `--dir`, as given. */
  dir?: string;
  env: NodeJS.ProcessEnv;
  /** The directory the server started in. */
  cwd: string;
}

/** How long a client may take to list its roots before the server's own directory is used. */
const ROOTS_TIMEOUT_MS = 2000;

export class Workspace {
  private root: Promise<string | null> | null = null;

  constructor(
    private readonly options: WorkspaceOptions,
    private readonly server: Server,
  ) {
    server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
      this.root = null;
    });
  }

  async context(warn: (message: string) => void): Promise<ToolContext> {
    const cwd = await this.workingDirectory();
    const { dir, env } = this.options;
    const named = dir ?? env.EXPRAG_DIR;
    const store = named ? resolve(this.options.cwd, named) : resolveStoreDir(undefined, env, cwd);
    if (named) storeNamed(store);
    return { store, cwd, env, clientName: this.server.getClientVersion()?.name ?? null, warn };
  }

  async workingDirectory(): Promise<string> {
    if (!this.server.getClientCapabilities()?.roots) return this.options.cwd;
    this.root ??= this.firstRoot();
    return (await this.root) ?? this.options.cwd;
  }

  private async firstRoot(): Promise<string | null> {
    try {
      const { roots } = await this.server.listRoots(undefined, { timeout: ROOTS_TIMEOUT_MS });
      for (const root of roots) {
        if (!root.uri.startsWith("file:")) continue;
        const path = fileURLToPath(root.uri);
        if (existsSync(path) && statSync(path).isDirectory()) return path;
      }
    } catch (error) {
      log.warn(`the client did not list its roots (${error instanceof Error ? error.message : error}); using ${this.options.cwd}`);
    }
    return null;
  }
}
