// Plain data shared by the report's analysis and its printers (CSV, HTML, JUnit, Markdown, terminal).

/** One metric sample from k6's `--out csv` or `--out json` output, with its time truncated to whole seconds. */
export interface MetricSample {
  metric: string;
  /** Unix time in whole seconds: k6's CSV output has no finer resolution, so JSON times are truncated to match. */
  timeUnixS: number;
  value: number;
  /** All tags, with the CSV's `extra_tags` (such as `platform`) merged in. */
  tags: Record<string, string>;
}

/** The platform key of the rows that sum every sample, whatever its platform tag. */
export const ALL_PLATFORMS = 'all';

/** One second of one platform (or of all of them, under `platform: 'all'`) in `timeseries.csv`. */
export interface TimeSeriesRow {
  timeUnixS: number;
  /** Seconds since the first row of the run, which the plan's `tSeconds` is aligned with. */
  elapsedS: number;
  platform: string;
  /** Arrivals the plan scheduled in this second; null without a usable plan.json. */
  plannedArrivals: number | null;
  /**
   * Iterations that started in this second, estimated as end time minus `iteration_duration` (±1 s).
   * NOTE: only iterations that emitted `iteration_duration` are counted, so ones cut off at the end of the run may be missing.
   */
  startedIterations: number;
  completedIterations: number;
  droppedIterations: number;
  /** `herd_admitted` samples with value 1 (the user got in) and 0 (the user did not). */
  admittedUsers: number;
  notAdmittedUsers: number;
  requests: number;
  requests2xx: number;
  requests3xx: number;
  requests4xx: number;
  requests5xx: number;
  /** Requests with status 0: k6's mark for a request that got no HTTP response (connect error, timeout). */
  requestsFailedToConnect: number;
  /** Requests whose status is none of the classes above (1xx, or unparsable). */
  requestsOther: number;
  requests503: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  timeToAdmitP50Ms: number | null;
  timeToAdmitP95Ms: number | null;
  /** Highest `vus` gauge value seen in this second. */
  vus: number | null;
  scheduleLagP99Ms: number | null;
}

/** Latency percentiles of one request name in one second. */
export interface NameLatencyPoint {
  timeUnixS: number;
  requests: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** The per-second latency of one request name, and its percentiles over the whole run. */
export interface NameLatencySeries {
  name: string;
  requests: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  points: NameLatencyPoint[];
}

/** Whole-run counts of one platform, or of all of them. */
export interface PlatformTotals {
  platform: string;
  plannedArrivals: number | null;
  startedIterations: number;
  completedIterations: number;
  droppedIterations: number;
  admittedUsers: number;
  notAdmittedUsers: number;
  requests: number;
  requests2xx: number;
  requests3xx: number;
  requests4xx: number;
  requests5xx: number;
  requestsFailedToConnect: number;
  requestsOther: number;
  requests503: number;
  latencyP95Ms: number | null;
  timeToAdmitP50Ms: number | null;
  timeToAdmitP95Ms: number | null;
  /** Most users admitted within one second. */
  peakAdmittedPerSecond: number;
}

/** Counts of the sample stream: what it contained and what could not be used. */
export interface SampleStats {
  format: 'csv' | 'jsonl' | 'none';
  /** Well-formed samples read, including those of metrics the report does not use. */
  samples: number;
  malformedRows: number;
  /** Samples that arrived after their second's percentiles were computed: counted, but not in the percentiles. */
  lateSamples: number;
  /** Request names beyond the cap, merged into one series. */
  mergedNames: number;
  firstTimeUnixS: number | null;
  lastTimeUnixS: number | null;
}

/** One threshold from summary.json. */
export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  /** The summary's value of the aggregation the expression tests (such as `p(95)`), when the summary contains it. */
  observed: number | null;
}

/** One second of the target's own `/metrics`, with the 503 counter turned into a per-second count. */
export interface TargetMetricsRow {
  timeUnixS: number;
  queueDepth: number;
  workersBusy: number;
  workersTotal: number;
  queueTimeouts: number;
  requests: number;
}

/** The measured quantities a prediction can be paired with. */
export type PredictionKind = 'peakAdmittedPerSecond' | 'peakStartedPerSecond' | 'admittedShare' | 'share503' | 'timeToAdmit' | 'users' | 'requests';

/** A number the plan predicted, beside the run's measurement of the same quantity when the report has one. */
export interface PredictionItem {
  /** Dotted path in plan.json's `prediction`, such as `platforms.mobile.admittedUsersPerSecond`. */
  key: string;
  /** The platform the key's path names, or `all`. */
  platform: string;
  kind?: PredictionKind;
  /** Unit of `predicted` and `measured`, from the key's ending (`…Ms`, `…Seconds`). */
  unit: 'ms' | 's' | '';
  predicted: number;
  measured: number | null;
}

/** One problem with the run folder: a missing, empty, truncated or invalid file, and what the report did about it. */
export interface ReportNote {
  file: string;
  problem: string;
}

/** The one-line verdict at the top of every printer. */
export interface Verdict {
  admittedUsers: number;
  /** Users the plan scheduled, or attempted plus dropped when there is no plan; null when nothing is known. */
  users: number | null;
  usersSource: 'plan' | 'samples' | 'summary' | 'none';
  peakAdmittedPerSecond: number;
  peakAdmittedAtUnixS: number | null;
  thresholdsTotal: number;
  thresholdsCrossed: number;
  /** False when summary.json is missing or unreadable, so thresholds are unknown. */
  thresholdsKnown: boolean;
}

/** The facts from run.json that the report shows; every field is optional because the file may be missing or partial. */
export interface RunDescription {
  scenario?: string;
  engine?: string;
  engineVersion?: string;
  targetUrl?: string;
  /** `reference` when herd-test started the reference backend, `external` for --target. */
  targetKind?: string;
  /** The reference backend's profile, servers, workers per server and queue timeout, when herd-test started it. */
  targetProfile?: string;
  targetServers?: number;
  targetWorkersPerServer?: number;
  targetQueueTimeoutMs?: number;
  scale?: number;
  gitRevision?: string;
  host?: string;
  startedAtUtc?: string;
  endedAtUtc?: string;
  exitCode?: number;
  interruption?: string;
  gateBaseline?: unknown;
}

/** Everything the printers need, computed once from a run folder. */
export interface ReportData {
  runDir: string;
  title: string;
  run: RunDescription;
  verdict: Verdict;
  platforms: string[];
  rows: TimeSeriesRow[];
  totals: PlatformTotals[];
  latencyByName: NameLatencySeries[];
  thresholds: ThresholdResult[];
  targetMetrics: TargetMetricsRow[];
  prediction: PredictionItem[];
  /** Predicted admitted users per second over time, when plan.json carries such a series. */
  predictedAdmittedSeries: Array<{ timeUnixS: number; admittedPerSecond: number }>;
  sampleStats: SampleStats;
  notes: ReportNote[];
}
