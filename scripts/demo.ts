/**
 * `npm run demo`: the main job on a shipped example. Records a run of examples/train.mjs
 * (which prints a few EXPRAG:: lines), then lists the runs.
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const exprag = join(root, "dist", process.platform === "win32" ? "exprag.exe" : "exprag");

async function step(args: string[]): Promise<void> {
  console.error(`\n$ exprag ${args.join(" ")}`);
  const code = await Bun.spawn([exprag, ...args], { cwd: root, stdio: ["inherit", "inherit", "inherit"] }).exited;
  if (code !== 0) {
    console.error(`exprag ${args[0]} exited with ${code}`);
    process.exit(code);
  }
}

await step(["run", "--name", "demo", "--meta", "hparams.lr=0.03", "--", "node", "examples/train.mjs", "--lr", "0.03"]);
await step(["ls"]);
