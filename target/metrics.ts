// The target's counters, the snapshot `stats()` returns and their Prometheus text rendering.
import { faultKinds, type FaultKind } from './faults.ts';
import type { RouteKey } from './profiles.ts';

/** The `route` label of a response: a pool route, or one of the routes served outside the pool. */
export type RouteLabel = RouteKey | 'health' | 'metrics' | 'not-found';

/** A snapshot of the target's state and counters since it started. */
export interface TargetStats {
  /** Requests waiting in the proxy queue for a free worker. */
  queueDepth: number;
  /** Workers holding a request. */
  workersBusy: number;
  /** Servers × workers per server. */
  workersTotal: number;
  /** Responses sent, by route label and then by HTTP status code. Example: `requestsTotal['event-page'][503]`. */
  requestsTotal: Partial<Record<RouteLabel, Record<number, number>>>;
  /** 503 responses the proxy sent because a request waited the queue timeout; the servers never saw them. */
  queueTimeoutsTotal: number;
  /** 5xx responses sent by workers, as a server's own error log would count them. */
  serverErrorsTotal: number;
  /** Requests whose client closed the connection while they waited in the queue. */
  queueAbandonsTotal: number;
  /** Worker responses replaced by an injected fault, by kind; resets and garbage are not in `requestsTotal`. */
  faultsTotal: Record<FaultKind, number>;
  /** Connections closed on arrival because `maxConnections` connections were open. */
  connectionsDroppedTotal: number;
  /** Modelled time workers held requests, by route: the drawn service times, vendor call included. */
  serviceTime: Partial<Record<RouteKey, { count: number; sumMs: number }>>;
  /**
   * How late the hold timers fired, over all completed holds. The pool makes up for lateness by
   * starting the next queued job at the logical end of the hold, but a mean lag near the service
   * times means the target's event loop is overloaded and its responses reach clients late.
   */
  timerLag: { count: number; sumMs: number; maxMs: number };
}

/** Upper bounds, in seconds, of the queue wait histogram buckets; `+Inf` is implied. */
const queueWaitBucketsSeconds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Counters the target updates on every response, kept in place to avoid allocating per request. */
export class TargetCounters {
  readonly requestsTotal: Partial<Record<RouteLabel, Record<number, number>>> = {};
  queueTimeoutsTotal = 0;
  serverErrorsTotal = 0;
  queueAbandonsTotal = 0;
  connectionsDroppedTotal = 0;
  readonly serviceTime: Partial<Record<RouteKey, { count: number; sumMs: number }>> = {};
  readonly timerLag = { count: 0, sumMs: 0, maxMs: 0 };
  readonly faultsTotal: Record<FaultKind, number> = { reset: 0, 'slow-body': 0, garbage: 0 };
  readonly #queueWaitBucketCounts = new Array<number>(queueWaitBucketsSeconds.length).fill(0);
  #queueWaitCount = 0;
  #queueWaitSumSeconds = 0;

  /** Counts one response sent for `route` with `status`. */
  countResponse(route: RouteLabel, status: number): void {
    const byStatus = (this.requestsTotal[route] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }

  /** Records how long a worker held a request of `route`. */
  observeServiceTime(route: RouteKey, heldMs: number): void {
    const totals = (this.serviceTime[route] ??= { count: 0, sumMs: 0 });
    totals.count += 1;
    totals.sumMs += heldMs;
  }

  /** Records how late a hold timer fired, in ms. */
  observeTimerLag(lateMs: number): void {
    this.timerLag.count += 1;
    this.timerLag.sumMs += lateMs;
    this.timerLag.maxMs = Math.max(this.timerLag.maxMs, lateMs);
  }

  /** Records how long a request waited in the queue before a worker took it. */
  observeQueueWait(waitMs: number): void {
    const waitSeconds = waitMs / 1000;
    this.#queueWaitCount += 1;
    this.#queueWaitSumSeconds += waitSeconds;
    const bucketIndex = queueWaitBucketsSeconds.findIndex((bound) => waitSeconds <= bound);
    if (bucketIndex !== -1) {
      this.#queueWaitBucketCounts[bucketIndex] += 1;
    }
  }

  /** Renders every metric in the Prometheus text exposition format, version 0.0.4. */
  renderPrometheus(gauges: { queueDepth: number; workersBusy: number; workersTotal: number }): string {
    const lines: string[] = [];
    const addMetric = (name: string, type: 'gauge' | 'counter' | 'histogram' | 'summary', help: string, samples: string[]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    };

    addMetric('herd_target_queue_depth', 'gauge', 'Requests waiting in the proxy queue for a free worker.', [
      `herd_target_queue_depth ${gauges.queueDepth}`,
    ]);
    addMetric('herd_target_workers_busy', 'gauge', 'Workers holding a request.', [`herd_target_workers_busy ${gauges.workersBusy}`]);
    addMetric('herd_target_workers_total', 'gauge', 'Workers behind the proxy: servers times workers per server.', [
      `herd_target_workers_total ${gauges.workersTotal}`,
    ]);
    addMetric('herd_target_requests_total', 'counter', 'Responses sent, by route and HTTP status code.', this.#renderRequestSamples());
    addMetric('herd_target_queue_timeouts_total', 'counter', 'Requests the proxy rejected with 503 after they waited the queue timeout.', [
      `herd_target_queue_timeouts_total ${this.queueTimeoutsTotal}`,
    ]);
    addMetric('herd_target_server_errors_total', 'counter', 'Responses with a 5xx status sent by workers, not by the proxy.', [
      `herd_target_server_errors_total ${this.serverErrorsTotal}`,
    ]);
    addMetric('herd_target_queue_abandons_total', 'counter', 'Requests whose client disconnected while they waited in the proxy queue.', [
      `herd_target_queue_abandons_total ${this.queueAbandonsTotal}`,
    ]);
    addMetric('herd_target_connections_dropped_total', 'counter', 'Connections closed on arrival because the connection limit was reached.', [
      `herd_target_connections_dropped_total ${this.connectionsDroppedTotal}`,
    ]);
    addMetric(
      'herd_target_faults_total',
      'counter',
      'Worker responses replaced by an injected fault, by kind.',
      faultKinds.map((kind) => `herd_target_faults_total{kind="${kind}"} ${this.faultsTotal[kind]}`),
    );
    addMetric('herd_target_service_seconds', 'summary', 'Modelled time workers held requests, by route.', this.#renderServiceSamples());
    addMetric('herd_target_timer_lag_seconds', 'summary', 'How late hold timers fired; a mean near the service times means the target is overloaded.', [
      `herd_target_timer_lag_seconds_sum ${this.timerLag.sumMs / 1000}`,
      `herd_target_timer_lag_seconds_count ${this.timerLag.count}`,
    ]);
    addMetric('herd_target_timer_lag_max_seconds', 'gauge', 'Largest hold timer lag since the target started.', [
      `herd_target_timer_lag_max_seconds ${this.timerLag.maxMs / 1000}`,
    ]);
    addMetric('herd_target_queue_wait_seconds', 'histogram', 'Time requests waited in the proxy queue before a worker took them.', this.#renderQueueWaitSamples());
    return `${lines.join('\n')}\n`;
  }

  #renderRequestSamples(): string[] {
    const samples: string[] = [];
    for (const [route, byStatus] of Object.entries(this.requestsTotal)) {
      for (const [status, count] of Object.entries(byStatus)) {
        samples.push(`herd_target_requests_total{route="${escapeLabelValue(route)}",status="${status}"} ${count}`);
      }
    }
    return samples;
  }

  #renderServiceSamples(): string[] {
    const samples: string[] = [];
    for (const [route, totals] of Object.entries(this.serviceTime)) {
      const label = `{route="${escapeLabelValue(route)}"}`;
      samples.push(`herd_target_service_seconds_sum${label} ${totals.sumMs / 1000}`, `herd_target_service_seconds_count${label} ${totals.count}`);
    }
    return samples;
  }

  #renderQueueWaitSamples(): string[] {
    const samples: string[] = [];
    let cumulativeCount = 0;
    queueWaitBucketsSeconds.forEach((bound, index) => {
      cumulativeCount += this.#queueWaitBucketCounts[index];
      samples.push(`herd_target_queue_wait_seconds_bucket{le="${bound}"} ${cumulativeCount}`);
    });
    samples.push(
      `herd_target_queue_wait_seconds_bucket{le="+Inf"} ${this.#queueWaitCount}`,
      `herd_target_queue_wait_seconds_sum ${this.#queueWaitSumSeconds}`,
      `herd_target_queue_wait_seconds_count ${this.#queueWaitCount}`,
    );
    return samples;
  }
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
