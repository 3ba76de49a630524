// User pools on the k6 side: the event's CSV read with papaparse into a SharedArray, one row per
// arriving user. Runs in the init context of k6 and of the built-in engine.
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import Papa from 'papaparse';
import type { LoadedEvent } from '../event/types.ts';

/** Rows of a user pool, handed out so that no row serves two users in one run. */
export interface UserPool {
  /** The row of the current iteration's user, as column → value. Call it inside an iteration. */
  rowForCurrentUser(platform: string): Record<string, string>;
}

/**
 * Opens the event's user pool, or returns undefined when the event has none. Each platform gets
 * its own range of rows, sized by its planned users in the order given, and the scenario's
 * iteration number picks the row inside the range, so rows are never reused across the run.
 * Throws in the init context when the pool has fewer rows than the run plans users.
 */
export function openUserPool(event: LoadedEvent, usersByPlatform: Readonly<Record<string, number>>): UserPool | undefined {
  const spec = event.userPool;
  if (spec === undefined) {
    return undefined;
  }
  // SharedArray runs the callback once and shares the frozen rows with every VU.
  const rows = new SharedArray('herd-user-pool', () => Papa.parse<Record<string, string>>(open(spec.file), { header: true, skipEmptyLines: 'greedy' }).data);

  const offsets: Record<string, number> = {};
  let totalUsers = 0;
  for (const [platform, users] of Object.entries(usersByPlatform)) {
    offsets[platform] = totalUsers;
    totalUsers += users;
  }
  if (rows.length < totalUsers) {
    throw new Error(`user pool ${spec.file} has ${rows.length} rows, but this run plans ${totalUsers} users: add rows or lower HERD_SCALE`);
  }

  const columns = spec.columns;
  return {
    rowForCurrentUser(platform) {
      const iteration = exec.scenario.iterationInTest;
      const offset = offsets[platform];
      if (offset === undefined || iteration >= usersByPlatform[platform]) {
        throw new Error(`user pool ${spec.file}: no row left for ${platform} iteration ${iteration}; the platform's range has ${usersByPlatform[platform] ?? 0} rows`);
      }
      const row = rows[offset + iteration] as Record<string, string>;
      if (columns === undefined) {
        return { ...row };
      }
      const picked: Record<string, string> = {};
      for (const column of columns) {
        picked[column] = row[column];
      }
      return picked;
    },
  };
}
