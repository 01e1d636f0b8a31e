import { writeFully } from "../core/os/io";

/** Data for stdout: written whole, synchronously (exprag's own messages go to stderr). */
export function printData(text: string): void {
  writeFully(1, Buffer.from(text));
}

/**
 * Data for stdout written as it comes, in chunks of about 64 KB: an answer too large to hold is
 * never held. Each piece is encoded straight into one buffer (joining the pieces and encoding the
 * join cost `ls --all --json` a sixth of its time over printing).
 */
export class DataStream {
  private readonly buffer = Buffer.allocUnsafe(4 * STREAM_BYTES);
  private used = 0;
  /** A high surrogate that ended the last piece: encoded with the next, as the joined text would be. */
  private split = "";

  write(text: string): void {
    if (this.split) {
      text = this.split + text;
      this.split = "";
    }
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.split = text.slice(-1);
      text = text.slice(0, -1);
    }
    // At most 3 bytes per UTF-16 unit: what does not surely fit the room left goes out on its own.
    if (text.length * 3 > this.buffer.length - this.used) {
      this.flush();
      if (text.length * 3 > this.buffer.length) {
        printData(text);
        return;
      }
    }
    this.used += this.buffer.write(text, this.used);
    if (this.used >= STREAM_BYTES) this.flush();
  }

  end(text = ""): void {
    this.write(text);
    this.flush();
    // A lone high surrogate last: encoded alone, as in the joined text.
    if (this.split) printData(this.split);
    this.split = "";
  }

  private flush(): void {
    if (this.used) writeFully(1, this.buffer, 0, this.used);
    this.used = 0;
  }
}

const STREAM_BYTES = 64 * 1024;
