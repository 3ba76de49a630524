// k6's execution segments: one test split across instances, each running the share of every
// scenario that lies in its segment of [0, 1], so that the instances together run the whole test.
import { HerdUserError } from '../lib/user-error.ts';
import { ExitCode } from './errors.ts';

interface Fraction {
  numerator: number;
  denominator: number;
}

/**
 * The slice of the schedule this instance runs. Arrival k (0-based, in schedule order) belongs to
 * it when `k mod cycleLength` is in [startSlot, endSlot). The cycle is the least common denominator
 * of the sequence, so every segment owns whole slots and each arrival goes to exactly one segment.
 */
export interface ExecutionSegment {
  cycleLength: number;
  startSlot: number;
  endSlot: number;
  /** Fraction of the whole test this segment runs: (end − start) / cycle. */
  share: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function invalid(flag: string, text: string, reason: string): HerdUserError {
  return new HerdUserError('EXECUTION_SEGMENT_INVALID', `${flag} "${text}" is invalid: ${reason}. Write fractions as 1/3, 0.25 or 25%, for example --execution-segment 1/3:2/3 --execution-segment-sequence 0,1/3,2/3,1.`, ExitCode.invalidConfig);
}

/** Parses one point of a segment as k6 writes it: `1/3`, `0.25` or `25%`. */
function parseFraction(flag: string, text: string): Fraction {
  const trimmed = text.trim();
  let fraction: Fraction | undefined;
  const ratio = /^(\d+)\/(\d+)$/.exec(trimmed);
  const decimal = /^(\d+)(?:\.(\d+))?(%?)$/.exec(trimmed);
  if (ratio !== null) {
    fraction = { numerator: Number(ratio[1]), denominator: Number(ratio[2]) };
  } else if (decimal !== null) {
    const digits = decimal[2] ?? '';
    const percent = decimal[3] === '%' ? 100 : 1;
    fraction = { numerator: Number(`${decimal[1]}${digits}`), denominator: 10 ** digits.length * percent };
  }
  if (fraction === undefined || fraction.denominator === 0 || !Number.isSafeInteger(fraction.numerator * fraction.denominator)) {
    throw invalid(flag, text, `"${trimmed}" is not a fraction`);
  }
  if (fraction.numerator > fraction.denominator) throw invalid(flag, text, `${trimmed} is above 1`);
  const divisor = gcd(fraction.numerator, fraction.denominator) || 1;
  return { numerator: fraction.numerator / divisor, denominator: fraction.denominator / divisor };
}

function compare(a: Fraction, b: Fraction): number {
  return a.numerator * b.denominator - b.numerator * a.denominator;
}

/**
 * Parses `--execution-segment` (`from:to`) and `--execution-segment-sequence` (`0,a,b,…,1`).
 * Without a sequence, the sequence is 0, from, to, 1, as in k6. The segment must be two
 * neighbouring points of the sequence.
 */
export function parseExecutionSegment(segmentText: string, sequenceText?: string): ExecutionSegment {
  const flag = '--execution-segment';
  const parts = segmentText.split(':');
  if (parts.length !== 2) throw invalid(flag, segmentText, 'expected from:to');
  const from = parseFraction(flag, parts[0] as string);
  const to = parseFraction(flag, parts[1] as string);
  if (compare(from, to) >= 0) throw invalid(flag, segmentText, 'the start must be below the end');

  const sequenceFlag = '--execution-segment-sequence';
  const points = sequenceText === undefined
    ? [{ numerator: 0, denominator: 1 }, from, to, { numerator: 1, denominator: 1 }]
    : sequenceText.split(',').map((point) => parseFraction(sequenceFlag, point));
  const unique = points.filter((point, index) => index === 0 || compare(point, points[index - 1] as Fraction) !== 0);
  for (let index = 1; index < unique.length; index++) {
    if (compare(unique[index] as Fraction, unique[index - 1] as Fraction) < 0) throw invalid(sequenceFlag, sequenceText ?? '', 'the points must increase');
  }
  const fromIndex = unique.findIndex((point) => compare(point, from) === 0);
  if (fromIndex < 0 || compare(unique[fromIndex + 1] ?? from, to) !== 0) {
    throw invalid(flag, segmentText, `it is not two neighbouring points of the sequence ${sequenceText ?? ''}`.trimEnd());
  }

  const cycleLength = unique.reduce((lcm, point) => (lcm * point.denominator) / gcd(lcm, point.denominator), 1);
  const startSlot = (from.numerator * cycleLength) / from.denominator;
  const endSlot = (to.numerator * cycleLength) / to.denominator;
  return { cycleLength, startSlot, endSlot, share: (endSlot - startSlot) / cycleLength };
}

/** Keeps the offsets of the arrivals that belong to `segment`, in schedule order. */
export function* selectSegmentOffsets(offsetsMs: Iterable<number>, segment: ExecutionSegment): Generator<number> {
  let index = 0;
  for (const offsetMs of offsetsMs) {
    const slot = index % segment.cycleLength;
    if (slot >= segment.startSlot && slot < segment.endSlot) yield offsetMs;
    index += 1;
  }
}

/** Scales a VU count to a segment, keeping at least one VU where the whole test has any. */
export function scaleVUsToSegment(vus: number, segment: ExecutionSegment): number {
  return vus === 0 ? 0 : Math.max(1, Math.ceil(vus * segment.share));
}
