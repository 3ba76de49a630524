import { setTimeout as sleep } from 'node:timers/promises';

/** The gate's source of time. Tests and `--now` replace the wall clock with a shifted one. */
export interface GateClock {
  /** Current time (epoch ms). */
  nowMs(): number;
  /** Resolves after `durationMs`. */
  sleep(durationMs: number): Promise<void>;
}

/** Creates a clock that starts at `startMs` and then advances with real time. */
export function createShiftedClock(startMs: number): GateClock {
  const offsetMs = startMs - Date.now();
  return {
    nowMs: () => Date.now() + offsetMs,
    sleep: async (durationMs) => {
      await sleep(durationMs);
    },
  };
}

/** The real wall clock. */
export const systemClock: GateClock = createShiftedClock(Date.now());
