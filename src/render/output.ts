import { writeFully } from "../core/os/io";

/** Data for stdout: written whole, synchronously (exprag's own messages go to stderr). */
export function printData(text: string): void {
  writeFully(1, Buffer.from(text));
}

/** Data for stdout written as it comes, in chunks of 64 KB: an answer too large to hold is never held. */
export class DataStream {
  private parts: string[] = [];
  private size = 0;

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 64 * 1024) this.flush();
  }

  end(text = ""): void {
    if (text) this.parts.push(text);
    this.flush();
  }

  private flush(): void {
    if (this.parts.length) printData(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}
