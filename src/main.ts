/**
 * The binary's entry, kept to a few lines: a run's git status, its snapshot's longest step, starts
 * here, before the command line's code (cli.ts) loads, and so runs while it loads.
 */
if (process.argv[2] === "run") (await import("./core/git/early-status")).startEarlyStatus(process.argv.slice(3), process.env);
// Only a run's start is code run once (core/os/jit.ts): every other command compiles as usual.
else Bun.unsafe.setJITPolicy(1);
await import("./cli");

export {};
