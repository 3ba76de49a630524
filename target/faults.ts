// Network faults the target can inject into worker responses, so that clients can be tested
// against resets, slow bodies and malformed responses on loopback.
import type { ServerResponse } from 'node:http';
import type { RandomSource } from './latency.ts';

/** A fault that replaces or slows down one worker response. */
export type FaultKind = 'reset' | 'slow-body' | 'garbage';

/** Every fault kind. One uniform draw per response picks the fault, testing the shares in this order. */
export const faultKinds: readonly FaultKind[] = ['reset', 'slow-body', 'garbage'];

/**
 * Shares of worker responses that get a fault, each from 0 to 1 and summing to at most 1.
 * Proxy 503s, /health and /metrics never get one. Example: `{ reset: 0.01, garbage: 0.005 }`.
 */
export interface FaultOptions {
  /** Share of responses replaced by a TCP reset (RST) before any byte is sent. */
  reset?: number;
  /** Share of responses whose body is sent one byte at a time, `slowBodyByteIntervalMs` apart. */
  'slow-body'?: number;
  /** Share of responses replaced by bytes that are not HTTP, after which the connection closes. */
  garbage?: number;
  /** Pause between two bytes of a slow body, in ms. Default 10, so a 2 KiB body takes about 20 s. */
  slowBodyByteIntervalMs?: number;
}

/** Bytes the garbage fault sends in place of an HTTP response: a malformed status line and binary noise. */
const garbageBytes = Buffer.concat([Buffer.from('HTTP/1.1 2x0 \u0000garbage\r\n'), Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x0d]), Buffer.from('\r\n\r\n')]);

/** Draws faults for worker responses and carries them out. */
export class FaultInjector {
  readonly #thresholds: { kind: FaultKind; upTo: number }[] = [];
  readonly #random: RandomSource;
  readonly #byteIntervalMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: FaultOptions, random: RandomSource) {
    let cumulativeShare = 0;
    for (const kind of faultKinds) {
      const share = options[kind] ?? 0;
      if (share > 0) {
        cumulativeShare += share;
        this.#thresholds.push({ kind, upTo: cumulativeShare });
      }
    }
    this.#random = random;
    this.#byteIntervalMs = options.slowBodyByteIntervalMs ?? 10;
  }

  /** Whether any fault has a share above 0; when not, `pick` never draws a number. */
  get isActive(): boolean {
    return this.#thresholds.length > 0;
  }

  /** Returns the fault for the next response, or undefined for a normal one. */
  pick(): FaultKind | undefined {
    if (!this.isActive) {
      return undefined;
    }
    const draw = this.#random();
    return this.#thresholds.find((threshold) => draw < threshold.upTo)?.kind;
  }

  /** Resets the connection or writes garbage on it; both close it. */
  breakConnection(kind: 'reset' | 'garbage', response: ServerResponse): void {
    const socket = response.socket;
    if (socket === null || socket.destroyed) {
      return;
    }
    if (kind === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    socket.end(garbageBytes);
  }

  /** Sends `body` one byte at a time after the headers; stops early if the client goes away. */
  sendSlowly(response: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer): void {
    response.writeHead(status, headers);
    let offset = 0;
    const timer = setInterval(() => {
      if (response.destroyed || offset >= body.length) {
        clearInterval(timer);
        this.#timers.delete(timer);
        if (!response.destroyed) {
          response.end();
        }
        return;
      }
      response.write(body.subarray(offset, offset + 1));
      offset += 1;
    }, this.#byteIntervalMs);
    this.#timers.add(timer);
  }

  /** Stops every slow body in progress, so that closing the target leaves no timer behind. */
  close(): void {
    for (const timer of this.#timers) {
      clearInterval(timer);
    }
    this.#timers.clear();
  }
}

/**
 * Parses a `--faults` value such as `reset=0.01,slow-body=0.02,garbage=0.005,slow-body-interval-ms=20`.
 * Returns the options and one sentence per problem; the shares are range-checked by `checkFaultOptions`.
 */
export function parseFaultList(text: string): { faults: FaultOptions; problems: string[] } {
  const faults: FaultOptions = {};
  const problems: string[] = [];
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^([a-z-]+)=(\d+(?:\.\d+)?)$/.exec(item);
    if (match === null) {
      problems.push(`--faults item "${item}" must look like name=number, for example reset=0.01.`);
      continue;
    }
    const [, name, value] = match;
    if (name === 'slow-body-interval-ms') {
      faults.slowBodyByteIntervalMs = Number(value);
    } else if ((faultKinds as readonly string[]).includes(name)) {
      faults[name as FaultKind] = Number(value);
    } else {
      problems.push(`--faults has an unknown fault "${name}"; use ${faultKinds.join(', ')} or slow-body-interval-ms.`);
    }
  }
  return { faults, problems };
}

/** Returns one sentence per invalid field of `faults`, naming it after `optionName`. */
export function checkFaultOptions(faults: FaultOptions, optionName: string): string[] {
  const problems: string[] = [];
  let shareSum = 0;
  for (const kind of faultKinds) {
    const share = faults[kind] ?? 0;
    if (!(Number.isFinite(share) && share >= 0 && share <= 1)) {
      problems.push(`${optionName} ${kind} must be a share from 0 to 1, got ${share}.`);
    } else {
      shareSum += share;
    }
  }
  if (shareSum > 1) {
    problems.push(`${optionName} shares sum to ${Number(shareSum.toFixed(6))}, more than 1; lower them to a total of at most 1.`);
  }
  const intervalMs = faults.slowBodyByteIntervalMs ?? 10;
  if (!(Number.isFinite(intervalMs) && intervalMs >= 1 && intervalMs <= 60_000)) {
    problems.push(`${optionName} slow-body-interval-ms must be from 1 to 60000 ms, got ${intervalMs}.`);
  }
  return problems;
}
