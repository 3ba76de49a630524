// The file half of every `--out` output: lines buffered in memory and written in batches.
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';

const FLUSH_LINES = 512;

/** The destination of an output's formatted lines: a file in the main thread, or the main thread from a worker. */
export interface LineSink {
  /** Buffers one line, without its newline. */
  writeLine(line: string): void;
  flush(): void;
  close(): Promise<void>;
  /** The first write error, or undefined while every write succeeded. */
  readonly writeError: Error | undefined;
}

/**
 * Appends lines to a file in batches of FLUSH_LINES. After the first write error, reported once
 * through `onError`, further lines are dropped so that the run goes on without its output.
 */
export class LineWriter implements LineSink {
  private readonly stream: WriteStream;
  private buffer: string[] = [];

  /** The first write error, or undefined while every write succeeded. */
  writeError: Error | undefined;

  constructor(filePath: string, onError: (error: Error) => void) {
    this.stream = createWriteStream(filePath);
    this.stream.on('error', (error) => {
      if (this.writeError === undefined) onError(error);
      this.writeError ??= error;
    });
  }

  /** Buffers one line, without its newline, and writes the batch once it is full. */
  writeLine(line: string): void {
    this.buffer.push(line);
    if (this.buffer.length >= FLUSH_LINES) this.flush();
  }

  flush(): void {
    if (this.writeError !== undefined) this.buffer = [];
    if (this.buffer.length === 0) return;
    this.stream.write(`${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }

  /** Flushes and closes the file; resolves once the data is on disk. */
  close(): Promise<void> {
    this.flush();
    if (this.writeError !== undefined || this.stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      // A failed final write is reported through the error listener; the run still ends normally.
      this.stream.once('error', () => resolve());
      this.stream.end(resolve);
    });
  }
}
