import { formatOptionDuration, parseDurationMs } from './duration.ts';
import { invalidConfig } from './errors.ts';

/** One stage of a ramping executor: reach `target` (a rate or a VU count) linearly over `durationMs`. */
export interface Stage {
  durationMs: number;
  target: number;
}

/** Settings every executor shares. */
export interface ScenarioCommon {
  name: string;
  startTimeMs: number;
  gracefulStopMs: number;
  /** Name of the exported function each iteration calls; `default` unless the scenario sets `exec`. */
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
}

/** A `constant-arrival-rate` scenario: `rate` iterations per `timeUnitMs` for `durationMs`. */
export interface ConstantArrivalRateScenario extends ScenarioCommon {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnitMs: number;
  durationMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

/** A `ramping-arrival-rate` scenario: the rate per `timeUnitMs` moves linearly from `startRate` through the stages. */
export interface RampingArrivalRateScenario extends ScenarioCommon {
  executor: 'ramping-arrival-rate';
  startRate: number;
  timeUnitMs: number;
  stages: Stage[];
  preAllocatedVUs: number;
  maxVUs: number;
}

/** A `constant-vus` scenario: `vus` VUs loop over iterations for `durationMs`. */
export interface ConstantVUsScenario extends ScenarioCommon {
  executor: 'constant-vus';
  vus: number;
  durationMs: number;
}

/** A `ramping-vus` scenario: the number of looping VUs follows the stages from `startVUs`. */
export interface RampingVUsScenario extends ScenarioCommon {
  executor: 'ramping-vus';
  startVUs: number;
  stages: Stage[];
  gracefulRampDownMs: number;
  /**
   * Set on a worker thread's part: of the VUs the whole scenario runs at any moment, this worker
   * runs VU k when `k mod count === index`, so the parts follow the whole ramp together.
   */
  vuStripe?: { index: number; count: number };
}

/** A `per-vu-iterations` or `shared-iterations` scenario: a fixed iteration count within `maxDurationMs`. */
export interface IterationsScenario extends ScenarioCommon {
  executor: 'per-vu-iterations' | 'shared-iterations';
  vus: number;
  iterations: number;
  maxDurationMs: number;
}

/** A validated scenario, one shape per executor. */
export type Scenario = ConstantArrivalRateScenario | RampingArrivalRateScenario | ConstantVUsScenario | RampingVUsScenario | IterationsScenario;

/** The engine's view of a script's `options` after CLI overrides and validation. */
export interface EngineOptions {
  scenarios: Scenario[];
  /** Threshold expressions by metric key as the script wrote them (`http_req_duration{name:auth}`). */
  thresholds: Record<string, unknown[]>;
  noConnectionReuse: boolean;
  noVUConnectionReuse: boolean;
  summaryTrendStats: string[];
  summaryTimeUnit: string;
  setupTimeoutMs: number;
  teardownTimeoutMs: number;
  /** Tags added to every sample of the run (`options.tags`). */
  tags: Record<string, string>;
  maxRedirects: number;
  discardResponseBodies: boolean;
  userAgent: string;
  /** Hosts besides loopback that requests may reach, from `options.herd.allowHosts`. */
  allowHosts: string[];
}

/** The CLI flags that override the script's shortcut options, as `k6 run --vus/--duration/--iterations` do. */
export interface OptionOverrides {
  vus?: number;
  durationMs?: number;
  iterations?: number;
}

const COMMON_KEYS = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags'];
const EXECUTOR_KEYS: Record<Scenario['executor'], string[]> = {
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'per-vu-iterations': ['vus', 'iterations', 'maxDuration'],
  'shared-iterations': ['vus', 'iterations', 'maxDuration'],
};
const DEFAULT_GRACEFUL_STOP_MS = 30_000;
const DEFAULT_MAX_DURATION_MS = 600_000;
const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
const SCENARIO_NAME = /^[0-9A-Za-z_-]+$/;

type RawObject = Record<string, unknown>;

function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads scenario fields, collecting every problem instead of stopping at the first. */
class ScenarioReader {
  constructor(
    readonly name: string,
    readonly raw: RawObject,
    readonly problems: string[],
  ) {}

  private where(key: string): string {
    return `scenario "${this.name}": ${key}`;
  }

  durationMs(key: string, fallbackMs: number | undefined): number {
    const value = this.raw[key];
    if (value === undefined) {
      if (fallbackMs === undefined) this.problems.push(`${this.where(key)} is missing; set it, such as ${key}: "30s"`);
      return fallbackMs ?? 0;
    }
    try {
      return parseDurationMs(value, this.where(key));
    } catch (error) {
      this.problems.push((error as Error).message);
      return 0;
    }
  }

  count(key: string, fallback: number | undefined, minimum: number): number {
    const value = this.raw[key];
    if (value === undefined) {
      if (fallback === undefined) this.problems.push(`${this.where(key)} is missing; set it to a whole number of at least ${minimum}`);
      return fallback ?? minimum;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
      this.problems.push(`${this.where(key)} is ${JSON.stringify(value)}; it must be a whole number of at least ${minimum}`);
      return minimum;
    }
    return value;
  }

  stages(): Stage[] {
    const value = this.raw.stages;
    if (!Array.isArray(value) || value.length === 0) {
      this.problems.push(`${this.where('stages')} is missing or empty; give at least one { target, duration } stage`);
      return [];
    }
    return value.map((stage: unknown, index) => {
      if (!isObject(stage)) {
        this.problems.push(`${this.where(`stages[${index}]`)} is not an object; write { target: 10, duration: "30s" }`);
        return { durationMs: 0, target: 0 };
      }
      const target = stage.target ?? 0;
      if (typeof target !== 'number' || !Number.isFinite(target) || target < 0) {
        this.problems.push(`${this.where(`stages[${index}].target`)} is ${JSON.stringify(target)}; it must be a number of zero or more`);
      }
      const where = this.where(`stages[${index}].duration`);
      let durationMs = 0;
      try {
        durationMs = parseDurationMs(stage.duration, where);
      } catch (error) {
        this.problems.push((error as Error).message);
      }
      return { durationMs, target: typeof target === 'number' ? target : 0 };
    });
  }

  stringMap(key: string): Record<string, string> {
    const value = this.raw[key];
    if (value === undefined) return {};
    if (!isObject(value)) {
      this.problems.push(`${this.where(key)} must be an object of string values, such as { platform: "web" }`);
      return {};
    }
    return Object.fromEntries(Object.entries(value).map(([entryKey, entryValue]) => [entryKey, String(entryValue)]));
  }
}

function readScenario(name: string, raw: unknown, problems: string[]): Scenario | undefined {
  if (!isObject(raw)) {
    problems.push(`scenario "${name}" is not an object; write { executor: "constant-arrival-rate", … }`);
    return undefined;
  }
  if (!SCENARIO_NAME.test(name)) problems.push(`scenario "${name}": the name may contain only letters, digits, "_" and "-"`);

  const executor = raw.executor;
  if (typeof executor !== 'string' || !(executor in EXECUTOR_KEYS)) {
    const known = Object.keys(EXECUTOR_KEYS).join(', ');
    problems.push(`scenario "${name}": executor ${JSON.stringify(executor)} is not supported; use one of ${known}`);
    return undefined;
  }
  const kind = executor as Scenario['executor'];
  const allowed = new Set([...COMMON_KEYS, ...EXECUTOR_KEYS[kind], ...(kind.endsWith('-vus') ? ['gracefulRampDown'] : [])]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) problems.push(`scenario "${name}": unknown option "${key}" for executor ${kind} (k6 rejects it as well); valid options are ${[...allowed].join(', ')}`);
  }

  const reader = new ScenarioReader(name, raw, problems);
  const exec = raw.exec ?? 'default';
  if (typeof exec !== 'string') problems.push(`scenario "${name}": exec must be the name of an exported function, not ${JSON.stringify(exec)}`);
  const common: ScenarioCommon = {
    name,
    startTimeMs: reader.durationMs('startTime', 0),
    gracefulStopMs: reader.durationMs('gracefulStop', DEFAULT_GRACEFUL_STOP_MS),
    exec: String(exec),
    env: reader.stringMap('env'),
    tags: reader.stringMap('tags'),
  };
  return readExecutorFields(kind, common, reader);
}

function readExecutorFields(kind: Scenario['executor'], common: ScenarioCommon, reader: ScenarioReader): Scenario {
  switch (kind) {
    case 'constant-arrival-rate': {
      const preAllocatedVUs = reader.count('preAllocatedVUs', undefined, 0);
      const scenario: ConstantArrivalRateScenario = {
        ...common,
        executor: kind,
        rate: reader.count('rate', undefined, 1),
        timeUnitMs: reader.durationMs('timeUnit', 1000),
        durationMs: reader.durationMs('duration', undefined),
        preAllocatedVUs,
        maxVUs: reader.count('maxVUs', preAllocatedVUs, 0),
      };
      checkArrivalRate(scenario, reader);
      if (scenario.durationMs < 1000) reader.problems.push(`scenario "${common.name}": duration is ${formatOptionDuration(scenario.durationMs)}; it must be at least 1s`);
      return scenario;
    }
    case 'ramping-arrival-rate': {
      const preAllocatedVUs = reader.count('preAllocatedVUs', undefined, 0);
      const scenario: RampingArrivalRateScenario = {
        ...common,
        executor: kind,
        startRate: reader.count('startRate', 0, 0),
        timeUnitMs: reader.durationMs('timeUnit', 1000),
        stages: reader.stages(),
        preAllocatedVUs,
        maxVUs: reader.count('maxVUs', preAllocatedVUs, 0),
      };
      checkArrivalRate(scenario, reader);
      return scenario;
    }
    case 'constant-vus':
      return { ...common, executor: kind, vus: reader.count('vus', 1, 1), durationMs: reader.durationMs('duration', undefined) };
    case 'ramping-vus':
      return {
        ...common,
        executor: kind,
        startVUs: reader.count('startVUs', 1, 0),
        stages: reader.stages(),
        gracefulRampDownMs: reader.durationMs('gracefulRampDown', DEFAULT_GRACEFUL_STOP_MS),
      };
    case 'per-vu-iterations':
    case 'shared-iterations': {
      const scenario: IterationsScenario = {
        ...common,
        executor: kind,
        vus: reader.count('vus', 1, 1),
        iterations: reader.count('iterations', 1, 1),
        maxDurationMs: reader.durationMs('maxDuration', DEFAULT_MAX_DURATION_MS),
      };
      if (kind === 'shared-iterations' && scenario.iterations < scenario.vus) {
        reader.problems.push(`scenario "${common.name}": iterations (${scenario.iterations}) must be at least vus (${scenario.vus}) for shared-iterations`);
      }
      return scenario;
    }
  }
}

function checkArrivalRate(scenario: ConstantArrivalRateScenario | RampingArrivalRateScenario, reader: ScenarioReader): void {
  if (scenario.timeUnitMs <= 0) reader.problems.push(`scenario "${scenario.name}": timeUnit must be more than zero, such as "1s"`);
  if (scenario.maxVUs < scenario.preAllocatedVUs) {
    reader.problems.push(`scenario "${scenario.name}": maxVUs (${scenario.maxVUs}) must be at least preAllocatedVUs (${scenario.preAllocatedVUs})`);
  }
  if (scenario.maxVUs === 0) reader.problems.push(`scenario "${scenario.name}": preAllocatedVUs and maxVUs are both 0; allocate at least one VU`);
}

/** Builds the `default` scenario from the shortcut options `vus`, `duration`, `iterations` and `stages`, as k6 does. */
function shortcutScenario(raw: RawObject, overrides: OptionOverrides, problems: string[]): RawObject {
  const vus = overrides.vus ?? raw.vus;
  const duration = overrides.durationMs ?? raw.duration;
  const iterations = overrides.iterations ?? raw.iterations;
  const stages = overrides.durationMs === undefined && overrides.iterations === undefined ? raw.stages : undefined;

  if (Array.isArray(stages) && stages.length > 0) return { executor: 'ramping-vus', startVUs: vus ?? 1, stages };
  if (iterations !== undefined) {
    const scenario: RawObject = { executor: 'shared-iterations', vus: vus ?? 1, iterations };
    if (duration !== undefined) scenario.maxDuration = duration;
    return scenario;
  }
  if (duration !== undefined) {
    if (duration === 0 || duration === '0') problems.push('options.duration is 0; the engine has no externally controlled executor, so give a positive duration');
    return { executor: 'constant-vus', vus: vus ?? 1, duration };
  }
  return { executor: 'per-vu-iterations', vus: vus ?? 1, iterations: 1 };
}

function readTrendStats(value: unknown, problems: string[]): string[] {
  if (value === undefined) return DEFAULT_TREND_STATS;
  const valid = /^(avg|min|med|max|count|p\((\d+(\.\d+)?)\))$/;
  if (!Array.isArray(value) || value.some((stat) => typeof stat !== 'string' || !valid.test(stat))) {
    problems.push(`options.summaryTrendStats is ${JSON.stringify(value)}; list stats from avg, min, med, max, count and p(N), such as ["avg", "p(95)"]`);
    return DEFAULT_TREND_STATS;
  }
  return value as string[];
}

/** Reads `options.herd.allowHosts`; other keys of the engine's own `herd` block are left to the script. */
function readAllowHosts(herd: unknown, problems: string[]): string[] {
  if (!isObject(herd) || herd.allowHosts === undefined) return [];
  if (!Array.isArray(herd.allowHosts) || herd.allowHosts.some((host) => typeof host !== 'string')) {
    problems.push(`options.herd.allowHosts is ${JSON.stringify(herd.allowHosts)}; list host names, such as ["staging.example.com"]`);
    return [];
  }
  return herd.allowHosts as string[];
}

/** Validates a script's exported `options` with CLI overrides applied; throws one error listing every problem (exit status 104). */
export function resolveOptions(rawOptions: unknown, overrides: OptionOverrides = {}): EngineOptions {
  const raw = isObject(rawOptions) ? rawOptions : {};
  const problems: string[] = [];

  const hasOverride = overrides.vus !== undefined || overrides.durationMs !== undefined || overrides.iterations !== undefined;
  let rawScenarios: RawObject;
  if (isObject(raw.scenarios) && Object.keys(raw.scenarios).length > 0 && !hasOverride) rawScenarios = raw.scenarios;
  else rawScenarios = { default: shortcutScenario(raw, overrides, problems) };

  const scenarios: Scenario[] = [];
  for (const [name, value] of Object.entries(rawScenarios)) {
    const scenario = readScenario(name, value, problems);
    if (scenario !== undefined) scenarios.push(scenario);
  }

  const thresholds: Record<string, unknown[]> = {};
  if (raw.thresholds !== undefined && !isObject(raw.thresholds)) problems.push('options.thresholds must be an object of metric names to lists of expressions');
  for (const [metricKey, value] of Object.entries(isObject(raw.thresholds) ? raw.thresholds : {})) {
    thresholds[metricKey] = Array.isArray(value) ? value : [value];
  }

  const durationOption = (key: string, fallbackMs: number): number => {
    try {
      return raw[key] === undefined ? fallbackMs : parseDurationMs(raw[key], `options.${key}`);
    } catch (error) {
      problems.push((error as Error).message);
      return fallbackMs;
    }
  };
  const options: EngineOptions = {
    scenarios,
    thresholds,
    noConnectionReuse: raw.noConnectionReuse === true,
    noVUConnectionReuse: raw.noVUConnectionReuse === true,
    summaryTrendStats: readTrendStats(raw.summaryTrendStats, problems),
    summaryTimeUnit: typeof raw.summaryTimeUnit === 'string' ? raw.summaryTimeUnit : '',
    setupTimeoutMs: durationOption('setupTimeout', 60_000),
    teardownTimeoutMs: durationOption('teardownTimeout', 60_000),
    tags: isObject(raw.tags) ? Object.fromEntries(Object.entries(raw.tags).map(([key, value]) => [key, String(value)])) : {},
    maxRedirects: typeof raw.maxRedirects === 'number' ? raw.maxRedirects : 10,
    discardResponseBodies: raw.discardResponseBodies === true,
    userAgent: typeof raw.userAgent === 'string' ? raw.userAgent : 'k6-herd/0.1 (https://k6.io/)',
    allowHosts: readAllowHosts(raw.herd, problems),
  };

  if (problems.length > 0) throw invalidConfig(`invalid options:\n  - ${problems.join('\n  - ')}`);
  return options;
}
