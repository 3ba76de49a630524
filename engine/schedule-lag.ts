// The one-time warning that the engine, not the target, is late: arrival-rate starts lag their schedule.
import { TrendSink } from './metrics.ts';
import type { TestRun } from './test-run.ts';

/** The p99 of `herd_schedule_lag` above which the run warns, in ms. */
export const SCHEDULE_LAG_WARNING_P99_MS = 5;
// A p99 over a handful of starts is noise, and the first starts pay for JIT warm-up.
const MINIMUM_SAMPLES = 200;

/**
 * Logs one warning per run once the p99 of `herd_schedule_lag` exceeds SCHEDULE_LAG_WARNING_P99_MS.
 * Called once a second and at the end of the run.
 */
export function warnIfScheduleLags(run: TestRun): void {
  const sink = run.builtin.scheduleLag.sink;
  if (!(sink instanceof TrendSink) || sink.count < MINIMUM_SAMPLES) return;
  const p99Ms = sink.percentile(99);
  if (p99Ms <= SCHEDULE_LAG_WARNING_P99_MS) return;
  run.logger.once(
    'schedule-lag',
    'warning',
    `Arrival-rate iterations start late: herd_schedule_lag p(99) is ${p99Ms.toFixed(1)} ms so far, above ${SCHEDULE_LAG_WARNING_P99_MS} ms. ` +
      'A few ms in the first seconds is the engine warming up; if the summary shows hundreds of ms, the load generator, not the target, limited the load, so give the engine a less busy machine or lower the rate.',
    { p99_ms: Number(p99Ms.toFixed(2)) },
  );
}
