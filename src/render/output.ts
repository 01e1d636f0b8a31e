import { writeFully } from "../core/os/io";

/** Data for stdout: written whole, synchronously (exprag's own messages go to stderr). */
export function printData(text: string): void {
  writeFully(1, Buffer.from(text));
}
