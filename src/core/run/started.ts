/**
 * What a run needs only once its command has started: reading its output, passing it through and
 * turning its lines into records. The runner loads this after the spawn, while the command runs,
 * so the command does not wait for it to start.
 */
export { RecordIngest } from "./ingest";
export { Output } from "./output";
export { errorLine } from "./stderr-tail";
export { CommandStreams } from "./streams";
