/**
 * Compiles exprag into one executable: `bun scripts/build.ts` writes dist/exprag for this machine.
 * Minified, with bytecode (about half the start-up), and without autoloading .env or bunfig.toml
 * from the directory it runs in: the binary runs inside other people's repositories.
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const outfile = join(root, "dist", process.platform === "win32" ? "exprag.exe" : "exprag");

const result = await Bun.build({
  entrypoints: [join(root, "src", "cli.ts")],
  compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
  minify: true,
  bytecode: true,
  target: "bun",
  format: "cjs",
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
console.error(`built ${outfile}`);
