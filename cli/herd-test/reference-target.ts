import { startTarget } from '../../target/index.ts';
import { TargetSampler } from './target-sampler.ts';

/** Lateness of the reference backend's hold timers, which fire late when the machine is busy. */
export interface TargetTimerLag {
  /** Hold timers that fired. */
  count: number;
  meanMs: number;
  maxMs: number;
}

/** The reference backend started for one run, with its gauges sampled to a CSV. */
export interface TargetHandle {
  url: string;
  /** Returns how late the backend's hold timers fired so far. */
  timerLag(): TargetTimerLag;
  close(): Promise<void>;
}

function sumRequests(byRoute: Partial<Record<string, Record<number, number>>>): number {
  let total = 0;
  for (const byStatus of Object.values(byRoute)) {
    for (const count of Object.values(byStatus ?? {})) total += count;
  }
  return total;
}

/** Starts the reference backend on a free loopback port and samples its gauges once a second. */
export async function startReferenceTarget(options: {
  profile: string;
  servers: number;
  workersPerServer: number | undefined;
  queueTimeoutMs: number | undefined;
  metricsCsvPath: string;
}): Promise<TargetHandle> {
  const target = await startTarget({
    host: '127.0.0.1',
    port: 0,
    profile: options.profile,
    servers: options.servers,
    ...(options.workersPerServer === undefined ? {} : { workersPerServer: options.workersPerServer }),
    ...(options.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: options.queueTimeoutMs }),
  });
  const sampler = new TargetSampler(options.metricsCsvPath, () => {
    const stats = target.stats();
    return {
      queueDepth: stats.queueDepth,
      workersBusy: stats.workersBusy,
      workersTotal: stats.workersTotal,
      queueTimeoutsTotal: stats.queueTimeoutsTotal,
      requestsTotal: sumRequests(stats.requestsTotal),
    };
  });
  return {
    url: target.url,
    timerLag() {
      const { count, sumMs, maxMs } = target.stats().timerLag;
      return { count, meanMs: count > 0 ? sumMs / count : 0, maxMs };
    },
    async close() {
      await sampler.stop();
      await target.close();
    },
  };
}
