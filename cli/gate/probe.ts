/** Names of the numbers a probe measures. Each can have a threshold. */
export type MetricName = 'activeBackends' | 'transactionsPerSecond' | 'longQueries' | 'value';

/** One measurement: when it was taken and the numbers the probe read. */
export interface LoadSample {
  /** Epoch ms on the gate's clock. */
  atMs: number;
  metrics: Partial<Record<MetricName, number>>;
}

/** A source of load measurements: PostgreSQL statistics, a Prometheus query or a command. */
export interface LoadProbe {
  /** `postgres`, `prometheus` or `command`. */
  readonly kind: string;
  /** Printable name of the data source, with passwords masked. */
  readonly description: string;
  /** Connects and takes any reading that later samples are relative to (PostgreSQL's transaction counters). */
  start(): Promise<void>;
  /** Takes one sample, or rejects with a `HerdUserError` (exit 1) when the measurement fails. */
  takeSample(atMs: number): Promise<LoadSample>;
  /** Releases connections. Safe to call more than once and after a failed `start`. */
  close(): Promise<void>;
}

/** Label of each metric in log sentences. */
export const METRIC_LABELS: Record<MetricName, string> = {
  activeBackends: 'active backends',
  transactionsPerSecond: 'transactions per second',
  longQueries: 'long-running queries',
  value: 'load value',
};
