/** Signals the Bun runtime ignores for itself; a child must get them back at default. */
export const RUNTIME_IGNORED_SIGNALS = ["SIGPIPE", "SIGXFSZ"] as const;
