/** Run file lines written by hand, for tests that read run files: each record as exprag writes it. */
const head = (id: string) => `{"schema_version":1,"exprag_version":"0.1.0","run_id":"${id}","experiment_name":"e","kind":`;
export const at = ',"created_at":"2026-01-01T00:00:00.000Z","elapsed_ms":1}';
export const record = (id: string, kind: string, value: string) => `${head(id)}"${kind}","value":${value}${at}`;
export const track = (id: string, value: string) => record(id, "track", value);
/** Started on another host with no heartbeat: without run_end its state is unknown, never crashed. */
export const start = (id: string, metadata = "{}") =>
  record(
    id,
    "run_start",
    `{"git":null,"host":{"hostname":"h"},"process":{"pid":1,"argv":["x"],"started":{"host":"elsewhere","pid":1,"start_ticks":1}},"metadata":${metadata}}`,
  );
export const end = (id: string) =>
  record(id, "run_end", '{"status":"ok","exit_code":0,"signal":null,"duration_ms":5,"counts":{"track":2,"meta":0,"note":0,"parse_error":0}}');
