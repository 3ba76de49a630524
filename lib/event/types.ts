// The shapes of event and bundle files as users write them in YAML. The JSON Schema for editors
// and `herd validate` is generated from these types, so change them here first.

/** An event file: who arrives, when, on which platforms, and against which target. */
export interface EventFile {
  /**
   * Short identifier, used in result folder names. Example: `live-event`.
   * @pattern ^[a-z0-9][a-z0-9_-]*$
   */
  name: string;
  description?: string;
  /**
   * Users expected at scale 1; `--scale` multiplies it. Example: 50000.
   * @asType integer
   * @minimum 1
   */
  users: number;
  arrival: ArrivalSpec;
  /**
   * Platform name → share of the users and the bundle each of them plays. Shares sum to 1.
   * @minProperties 1
   */
  platforms: Record<string, PlatformSpec>;
  target?: TargetSpec;
  /** Values for `{{name}}` placeholders in bundles, such as `eventId`. */
  vars?: Record<string, string>;
  /** k6 thresholds, metric name → expressions. Example: `herd_admitted: ["rate>0.95"]`. */
  thresholds?: Record<string, string[]>;
  userPool?: UserPoolSpec;
}

/**
 * A CSV of users or ids, one row per arriving user and never the same row twice in a run. Each
 * column becomes a `{{column}}` placeholder in the bundles.
 */
export interface UserPoolSpec {
  /**
   * CSV path relative to the event file. The first row names the columns.
   * @minLength 1
   */
  file: string;
  /**
   * Columns every row must fill. Default: every column of the header row.
   * @minItems 1
   */
  columns?: string[];
}

/** Where the load goes. The CLI's `--target` overrides `baseUrl`. */
export interface TargetSpec {
  /** Example: `http://127.0.0.1:8080`. */
  baseUrl?: string;
  /** Host names besides loopback that this event may send traffic to. */
  allow?: string[];
}

/** @discriminator model */
export type ArrivalSpec = LogNormalArrivalSpec | WavesArrivalSpec | TraceArrivalSpec;

/**
 * The arrival delay of one notification's audience: two of `medianSeconds`, `sigma` and `within`,
 * or `medianSeconds` or `within` alone, in which case sigma defaults to 0.87.
 */
export interface LogNormalShape {
  /**
   * Seconds after the notification by which half of its audience has arrived.
   * @exclusiveMinimum 0
   */
  medianSeconds?: number;
  /**
   * Standard deviation of ln(arrival delay in seconds); larger spreads arrivals out.
   * @exclusiveMinimum 0
   */
  sigma?: number;
  /** `fraction` of the audience arrives within `seconds` of the notification. */
  within?: WithinSpec;
}

/** A quantile of the arrival delay: `fraction` of the audience arrives within `seconds`. Example: 0.99 within 60. */
export interface WithinSpec {
  /**
   * @exclusiveMinimum 0
   * @exclusiveMaximum 1
   */
  fraction: number;
  /** @exclusiveMinimum 0 */
  seconds: number;
}

/** Users arrive log-normally after one push notification. */
export interface LogNormalArrivalSpec extends LogNormalShape {
  model: 'lognormal';
  /**
   * Seconds from the test start to the notification.
   * @minimum 0
   */
  notificationAtSeconds: number;
}

/** Several notifications, each a log-normal wave with its share of the audience. */
export interface WavesArrivalSpec {
  model: 'waves';
  /** @minItems 1 */
  waves: WaveSpec[];
}

/** One notification of a `waves` arrival and the share of the audience it brings. */
export interface WaveSpec extends LogNormalShape {
  /**
   * Seconds from the test start to this notification.
   * @minimum 0
   */
  notificationAtSeconds: number;
  /**
   * Fraction of all users that arrive in this wave. The shares of all waves sum to 1.
   * @exclusiveMinimum 0
   * @maximum 1
   */
  share: number;
}

/** Arrivals replayed from a recorded CSV trace, scaled to `users`. */
export interface TraceArrivalSpec {
  model: 'trace';
  /**
   * CSV path relative to the event file.
   * @minLength 1
   */
  file: string;
  /** `timestamps`: one arrival time in seconds per row; `per-second`: a count per second. */
  format: 'timestamps' | 'per-second';
}

/** One platform's share of the herd and the bundle its users play. */
export interface PlatformSpec {
  /**
   * Fraction of all users, from 0 to 1. The shares of all platforms sum to 1.
   * @minimum 0
   * @maximum 1
   */
  share: number;
  /**
   * Bundle file path relative to the event file.
   * @minLength 1
   */
  bundle: string;
}

/** What one user of a platform does when admitted: an ordered list of steps. */
export interface BundleFile {
  /** @pattern ^[a-z0-9][a-z0-9_-]*$ */
  name: string;
  description?: string;
  /** @minItems 1 */
  steps: BundleStep[];
}

/**
 * A bundle that starts from another bundle and changes it: requests replaced field by field,
 * requests removed, steps appended. Loading resolves it into a plain BundleFile.
 */
export interface BundleExtensionFile {
  /** @pattern ^[a-z0-9][a-z0-9_-]*$ */
  name: string;
  description?: string;
  /**
   * The bundle to start from: a path relative to this file, or `package/path.yaml` from node_modules.
   * @minLength 1
   */
  extends: string;
  /** Request name → fields that replace the parent's, in every request of that name. */
  override?: Record<string, RequestOverride>;
  /** Names of the parent's requests to drop; a parallel group left empty is dropped too. */
  remove?: string[];
  /** Steps played after the parent's. */
  append?: BundleStep[];
}

/** Fields of a request that an extending bundle may replace. */
export type RequestOverride = Partial<Omit<RequestSpec, 'name'>>;

/** The content of a bundle file: a whole bundle, or an extension of another one. */
export type BundleSourceFile = BundleFile | BundleExtensionFile;

export type BundleStep = RequestStep | ParallelStep | PauseStep;

export interface RequestStep {
  request: RequestSpec;
}

/** Requests fired together, as an app or a browser does, at most `maxConcurrency` at a time. */
export interface ParallelStep {
  parallel: ParallelSpec;
}

/** The requests of a parallel step and how many of them may be in flight at once. */
export interface ParallelSpec {
  /**
   * Maximum requests in flight at once, like a browser's or an app's connection limit. Default: all of them.
   * @asType integer
   * @minimum 1
   */
  maxConcurrency?: number;
  /** @minItems 1 */
  steps: RequestStep[];
}

/** Think time: the user waits before the next step. */
export interface PauseStep {
  pause: PauseSpec;
}

export interface PauseSpec {
  /** @minimum 0 */
  durationMs: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** One HTTP request of a bundle. Strings may hold `{{name}}` placeholders. */
export interface RequestSpec {
  /**
   * Tag value for `name` in metrics. Example: `auth-refresh`.
   * @minLength 1
   */
  name: string;
  method: HttpMethod;
  /**
   * Path appended to the target's base URL. Example: `/events/{{eventId}}`.
   * @pattern ^/
   */
  path: string;
  headers?: Record<string, string>;
  /** JSON body; strings inside are templated. */
  body?: unknown;
  /**
   * Statuses that count as success. Default: 200–299.
   * @minItems 1
   */
  expectStatus?: HttpStatus[];
  /** Whether the user is admitted only if this request succeeds. Default: true. */
  essential?: boolean;
  /** Send `Authorization: Bearer {{token}}`. Default: false. */
  withToken?: boolean;
  /** Variables to capture from the response: name → `json:path.to.field` or `header:Name`. */
  capture?: Record<string, CaptureSource>;
  /**
   * Service time the planner assumes for this request when the backend is not overloaded. Default: 50.
   * @minimum 0
   */
  expectedLatencyMs?: number;
}

/**
 * @asType integer
 * @minimum 100
 * @maximum 599
 */
export type HttpStatus = number;

/**
 * Where a captured value comes from: `json:` and a dotted path into the JSON body, or `header:` and a header name.
 * @pattern ^(json:[^.\s][^\s]*|header:[A-Za-z0-9-]+)$
 */
export type CaptureSource = string;

/** An event whose bundle paths have been read, validated and inlined. */
export interface LoadedEvent extends Omit<EventFile, 'platforms'> {
  platforms: Record<string, { share: number; bundlePath: string; bundle: BundleFile }>;
  /** For trace arrivals: the parsed trace as arrival offsets in seconds, inlined at build time. */
  traceArrivalSeconds?: number[];
}
