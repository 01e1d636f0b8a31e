/** How many runs, points or paths a list answers with when no limit is given (kept apart from the selection's parsing: every command's options name it). */
export const DEFAULT_LIMIT = 20;
