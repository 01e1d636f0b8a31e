import pkg from "../package.json" with { type: "json" };

/** Replaced at build time by scripts/build.ts with the commit the binary was built from. */
declare const EXPRAG_BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const BUILD_COMMIT: string | null = typeof EXPRAG_BUILD_COMMIT === "string" && EXPRAG_BUILD_COMMIT ? EXPRAG_BUILD_COMMIT : null;
