import { execFile } from 'node:child_process';

import { HerdUserError } from '../../lib/user-error.ts';
import type { LoadProbe, LoadSample } from './probe.ts';

/** Settings of the command probe. */
export interface CommandProbeOptions {
  /** Shell command line whose standard output is one number, for example `psql -Atc "select …"`. */
  command: string;
  /** Limit for one run of the command (ms), after which the command is killed. */
  timeoutMs: number;
}

const MAX_OUTPUT_BYTES = 64 * 1024;

/** Runs a shell command per sample and reads the number it prints. */
export class CommandProbe implements LoadProbe {
  readonly kind = 'command';
  readonly description: string;
  readonly #options: CommandProbeOptions;

  constructor(options: CommandProbeOptions) {
    if (options.command.trim() === '') {
      throw new HerdUserError('GATE_FLAG_INVALID', '--command is empty: give a shell command that prints one number.');
    }
    this.#options = options;
    this.description = `the command ${JSON.stringify(options.command)}`;
  }

  async start(): Promise<void> {
    // Nothing to prepare: each sample runs the command once.
  }

  async takeSample(atMs: number): Promise<LoadSample> {
    const stdout = await this.#run();
    const text = stdout.trim();
    const value = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(value)) {
      throw new HerdUserError('GATE_PROBE_FAILED', `Command probe failed: ${this.description} printed ${JSON.stringify(text.slice(0, 120))}, which is not a number; it must print one number and nothing else.`);
    }
    return { atMs, metrics: { value } };
  }

  async close(): Promise<void> {
    // Each run ends before takeSample returns.
  }

  #run(): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('/bin/sh', ['-c', this.#options.command], { timeout: this.#options.timeoutMs, maxBuffer: MAX_OUTPUT_BYTES }, (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
          return;
        }
        const stderrText = stderr.trim().slice(0, 200);
        const cause = error.killed ? `timed out after ${this.#options.timeoutMs} ms` : `exited with status ${String(error.code)}`;
        reject(new HerdUserError('GATE_PROBE_FAILED', `Command probe failed: ${this.description} ${cause}${stderrText === '' ? '' : `: ${stderrText}`}.`));
      });
    });
  }
}
