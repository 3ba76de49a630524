import Papa from 'papaparse';
import type { ArrivalCurve } from './types.ts';
import { ArrivalProblems } from './problems.ts';

/** A curve replayed from a recorded trace. */
export interface TraceCurve extends ArrivalCurve {
  readonly model: 'trace';
  /** Width of the bins the trace was counted in. */
  readonly binSeconds: number;
  /** Arrivals recorded in each bin, before scaling to `totalUsers`. */
  readonly recordedCounts: readonly number[];
}

/**
 * Parses a trace CSV into arrival offsets in seconds, sorted as in the file.
 * - `timestamps`: the first column of each row is one arrival, in seconds from the test start.
 * - `per-second`: each row is either `count` (row i is second i) or `second,count`. The count
 *   of a second becomes evenly spaced arrivals inside that second.
 * A first row that is not numeric is taken as a header. Empty lines are skipped.
 * Throws `HerdUserError` (ARRIVAL_INVALID) naming `fileLabel` and the row for bad values, an
 * empty trace or rows out of time order.
 */
export function parseTraceCsv(text: string, format: 'timestamps' | 'per-second', fileLabel: string): number[] {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: 'greedy' });
  const rows = parsed.data;
  const problems = new ArrivalProblems();
  const firstIsHeader = rows.length > 0 && !rows[0].some((cell) => isNumeric(cell));
  const startRow = firstIsHeader ? 1 : 0;

  const arrivals = format === 'timestamps' ? readTimestamps(rows, startRow, fileLabel, problems) : readPerSecondCounts(rows, startRow, fileLabel, problems);
  if (problems.isEmpty && arrivals.length === 0) {
    problems.add(fileLabel, `the trace has no arrivals; give at least one ${format === 'timestamps' ? 'timestamp row' : 'row with a count above 0'}`);
  }
  problems.throwIfAny();
  return arrivals;
}

function isNumeric(cell: string): boolean {
  return cell.trim() !== '' && Number.isFinite(Number(cell));
}

// Reports at most this many bad rows, so that a wrong file does not print thousands of lines.
const MAX_ROW_PROBLEMS = 5;

function readTimestamps(rows: string[][], startRow: number, fileLabel: string, problems: ArrivalProblems): number[] {
  const arrivals: number[] = [];
  for (let index = startRow; index < rows.length && problems.count < MAX_ROW_PROBLEMS; index += 1) {
    const field = `${fileLabel} row ${index + 1}`;
    const seconds = Number(rows[index][0]);
    if (!isNumeric(rows[index][0] ?? '') || seconds < 0) {
      problems.add(field, `expected an arrival time in seconds (0 or more), got "${rows[index][0] ?? ''}"`);
      continue;
    }
    const previous = arrivals[arrivals.length - 1];
    if (previous !== undefined && seconds < previous) {
      problems.add(field, `${seconds} comes before ${previous} on the row above; sort the trace by time`);
    }
    arrivals.push(seconds);
  }
  return arrivals;
}

/** Most arrivals a per-second trace may expand to: each costs 8 bytes, and the curve is rescaled to the event's users anyway. */
const MAX_TRACE_ARRIVALS = 10_000_000;

function readPerSecondCounts(rows: string[][], startRow: number, fileLabel: string, problems: ArrivalProblems): number[] {
  const arrivals: number[] = [];
  let previousSecond = -1;
  for (let index = startRow; index < rows.length && problems.count < MAX_ROW_PROBLEMS; index += 1) {
    const field = `${fileLabel} row ${index + 1}`;
    const row = rows[index];
    const hasSecondColumn = row.length >= 2 && row[1].trim() !== '';
    const second = hasSecondColumn ? Number(row[0]) : index - startRow;
    const countText = hasSecondColumn ? row[1] : row[0];
    const count = Number(countText);

    if (hasSecondColumn && !(isNumeric(row[0]) && Number.isInteger(second) && second >= 0)) {
      problems.add(field, `expected a whole second (0 or more) in the first column, got "${row[0]}"`);
      continue;
    }
    if (!isNumeric(countText) || !Number.isInteger(count) || count < 0) {
      problems.add(field, `expected a whole count of arrivals (0 or more), got "${countText}"`);
      continue;
    }
    if (second <= previousSecond) {
      problems.add(field, `second ${second} does not come after second ${previousSecond} on the row above; sort the trace by time and list each second once`);
    }
    previousSecond = second;
    if (arrivals.length + count > MAX_TRACE_ARRIVALS) {
      problems.add(field, `the trace holds more than ${MAX_TRACE_ARRIVALS.toLocaleString('en-US')} arrivals, the most the planner reads; divide every count by the same factor (the event's users set the run's size, not the trace's counts)`);
      break;
    }
    for (let k = 0; k < count; k += 1) {
      arrivals.push(second + (k + 0.5) / count);
    }
  }
  return arrivals;
}

/**
 * Builds a curve from recorded arrival offsets, scaled to `users`.
 * The arrivals are counted in bins of `binSeconds`. λ(t) is linear between the bin centres
 * (each at count / binSeconds), and it ramps up from 0 over the first half bin and down to 0
 * over the last one, so the curve is continuous and stages can follow it. Arrivals must be sorted and at least 0.
 */
export function createTraceCurve(arrivalSeconds: readonly number[], users: number, binSeconds = 1): TraceCurve {
  const firstBinStartSeconds = Math.floor(arrivalSeconds[0] / binSeconds) * binSeconds;
  const binCount = Math.floor((arrivalSeconds[arrivalSeconds.length - 1] - firstBinStartSeconds) / binSeconds) + 1;
  const counts = new Array<number>(binCount).fill(0);
  for (const seconds of arrivalSeconds) {
    counts[Math.min(binCount - 1, Math.floor((seconds - firstBinStartSeconds) / binSeconds))] += 1;
  }

  // Knots of the piecewise-linear rate: the first edge, every bin centre, the last edge.
  const knotSeconds = [firstBinStartSeconds];
  const knotRates = [0];
  counts.forEach((count, index) => {
    knotSeconds.push(firstBinStartSeconds + (index + 0.5) * binSeconds);
    knotRates.push(count / binSeconds);
  });
  knotSeconds.push(firstBinStartSeconds + binCount * binSeconds);
  knotRates.push(0);

  // Cumulative integral at each knot, then one factor that scales the total to `users`.
  const cumulative = [0];
  for (let index = 1; index < knotSeconds.length; index += 1) {
    const widthSeconds = knotSeconds[index] - knotSeconds[index - 1];
    cumulative.push(cumulative[index - 1] + ((knotRates[index - 1] + knotRates[index]) / 2) * widthSeconds);
  }
  const scale = users / cumulative[cumulative.length - 1];
  const lastKnotSeconds = knotSeconds[knotSeconds.length - 1];

  const pieceIndexAt = (tSeconds: number): number => {
    let low = 0;
    let high = knotSeconds.length - 2;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (knotSeconds[middle] <= tSeconds) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  };

  return {
    model: 'trace',
    binSeconds,
    recordedCounts: counts,
    totalUsers: users,
    startSeconds: firstBinStartSeconds,
    endSeconds: lastKnotSeconds,
    ratePerSecondAt(tSeconds: number): number {
      if (!(tSeconds > firstBinStartSeconds && tSeconds < lastKnotSeconds)) {
        return 0;
      }
      const index = pieceIndexAt(tSeconds);
      const fraction = (tSeconds - knotSeconds[index]) / (knotSeconds[index + 1] - knotSeconds[index]);
      return scale * (knotRates[index] + fraction * (knotRates[index + 1] - knotRates[index]));
    },
    usersArrivedBy(tSeconds: number): number {
      if (!(tSeconds > firstBinStartSeconds)) {
        return 0;
      }
      if (tSeconds >= lastKnotSeconds) {
        return users;
      }
      const index = pieceIndexAt(tSeconds);
      const elapsedSeconds = tSeconds - knotSeconds[index];
      const slope = (knotRates[index + 1] - knotRates[index]) / (knotSeconds[index + 1] - knotSeconds[index]);
      return scale * (cumulative[index] + knotRates[index] * elapsedSeconds + (slope * elapsedSeconds * elapsedSeconds) / 2);
    },
  };
}
