/**
 * The records of a run file, one typed definition per kind, one file per part of a run's life.
 * The writer builds them with `satisfies`; readers get them only through the tolerant decoders in
 * `decode.ts`.
 */
export * from "./annotations";
export * from "./context";
export * from "./envelope";
export * from "./run-end";
export * from "./run-start";
