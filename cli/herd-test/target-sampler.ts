import { createWriteStream, type WriteStream } from 'node:fs';

/** The counters of the reference target that the run folder keeps, read once a second. */
export interface TargetGauges {
  queueDepth: number;
  workersBusy: number;
  workersTotal: number;
  queueTimeoutsTotal: number;
  requestsTotal: number;
}

const header = 'time_unix_s,queue_depth,workers_busy,workers_total,queue_timeouts_total,requests_total\n';

/**
 * Writes the target's own view (queue depth, busy workers, the proxy's 503s) to a CSV once a
 * second, so a report can set it beside what the clients saw.
 */
export class TargetSampler {
  private readonly stream: WriteStream;
  private readonly timer: NodeJS.Timeout;

  constructor(csvPath: string, readGauges: () => TargetGauges, intervalMs = 1000) {
    this.stream = createWriteStream(csvPath);
    this.stream.write(header);
    const sample = (): void => {
      const gauges = readGauges();
      const row = [Math.floor(Date.now() / 1000), gauges.queueDepth, gauges.workersBusy, gauges.workersTotal, gauges.queueTimeoutsTotal, gauges.requestsTotal];
      this.stream.write(`${row.join(',')}\n`);
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
    this.timer.unref();
  }

  /** Stops sampling and flushes the file. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }
}
