// The version alone: the bundler then leaves the rest of package.json out of the entry every command loads.
import { version } from "../package.json";

/** Replaced at build time by scripts/build.ts with the commit the binary was built from. */
declare const EXPRAG_BUILD_COMMIT: string | undefined;

export const VERSION: string = version;
export const BUILD_COMMIT: string | null = typeof EXPRAG_BUILD_COMMIT === "string" && EXPRAG_BUILD_COMMIT ? EXPRAG_BUILD_COMMIT : null;
