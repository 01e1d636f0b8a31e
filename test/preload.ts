/**
 * Loaded before each test file (bunfig.toml). Many tests start dozens of processes (exprag, git,
 * shells); on a loaded 2-core machine one of them can take ten times as long as on an idle one,
 * so the default test time limit is a minute rather than bun's 5 s: a limit only for hangs.
 *
 * bun applies a preload's default to the first file of a run only, unless each file gets a fresh
 * global: `npm test` runs with --parallel (which isolates files), and a run of several files by
 * hand wants --parallel or --isolate too. One file alone always gets it.
 *
 * It also loads test/temp-dir.ts first, so that the removal of the tests' temporary folders is
 * the run's own hook, not the first test file's.
 */
import { setDefaultTimeout } from "bun:test";
import "./temp-dir";

setDefaultTimeout(60_000);
