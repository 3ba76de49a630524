// k6 options for a loaded event: one ramping-arrival-rate scenario per platform, shaped by the
// event's arrival curve. Pure code with no k6 or Node imports, so it runs in a script's init
// context and in Node tests alike.
import { createArrivalCurve } from '../arrival/index.ts';
import type { LoadedEvent } from '../event/types.ts';
import { mostArrivalsWithin, planStages, sizeVUs, splitCurveByShare, wholeUsersByShare } from '../stages/index.ts';
import { estimateBundleDurationMs, estimateOverloadedBundleSeconds } from './steps.ts';

/** Metrics whose thresholds are repeated per platform, so the summary shows a row for each platform. */
const perPlatformMetrics = ['herd_admitted', 'herd_time_to_admit'];

/** One platform's ramping-arrival-rate scenario, as k6 reads it. */
export interface PlatformScenario {
  executor: 'ramping-arrival-rate';
  exec: string;
  startTime: string;
  /** Time the last users get to finish after the stages end; k6 interrupts them after it and counts them nowhere. */
  gracefulStop: string;
  startRate: number;
  timeUnit: string;
  stages: Array<{ duration: string; target: number }>;
  preAllocatedVUs: number;
  maxVUs: number;
  env: Record<string, string>;
  tags: Record<string, string>;
}

/** The plan of one platform, kept in `options.herd` for reports. */
export interface PlatformPlan {
  users: number;
  plannedIterations: number;
  peakRatePerSecond: number;
  estimatedIterationSeconds: number;
  worstShapeErrorFraction: number;
}

/** The k6 options of an event run; `herd` is a top-level block that k6 ignores. */
export interface EventOptions {
  scenarios: Record<string, PlatformScenario>;
  thresholds: Record<string, string[]>;
  herd: { event: string; scale: number; users: number; platforms: Record<string, PlatformPlan> };
}

/** Settings of `buildEventOptions`. */
export interface EventOptionsSettings {
  /** Multiplies the event's user count. Default: 1. */
  scale?: number;
  /** Name of the exported function each iteration calls. Default: `playUser`. */
  exec?: string;
  /** Factor over Little's law for the VU pool, as `sizeVUs` takes it. Default: 1.5. */
  headroom?: number;
  /** Maximum time a user's bundle may take against an overloaded target, in seconds, which sizes `maxVUs`. Default: `estimateOverloadedBundleSeconds` of the bundle. */
  maxIterationSeconds?: number;
}

/** Builds k6 options from an event: per platform, its share of the arrival curve as stages, and VUs sized for its bundle. */
export function buildEventOptions(event: LoadedEvent, settings: EventOptionsSettings = {}): EventOptions {
  const scale = settings.scale ?? 1;
  const users = Math.round(event.users * scale);
  const curve = createArrivalCurve(event.arrival, users, event.traceArrivalSeconds);
  const shares: Record<string, number> = {};
  for (const [platform, spec] of Object.entries(event.platforms)) {
    shares[platform] = spec.share;
  }
  const platformCurves = splitCurveByShare(curve, shares);
  const scenarios: Record<string, PlatformScenario> = {};
  const platforms: Record<string, PlatformPlan> = {};

  for (const [platform, spec] of Object.entries(event.platforms)) {
    const platformCurve = platformCurves[platform];
    const platformUsers = Math.round(platformCurve.totalUsers);
    // A platform whose share rounds to no user at this scale gets no scenario: k6 rejects empty ones.
    if (platformUsers === 0) {
      continue;
    }
    const plan = planStages(platformCurve, {});
    const peakRatePerSecond = Math.max(plan.startRate, ...plan.stages.map((stage) => stage.target)) / plan.timeUnitSeconds;
    const iterationSeconds = estimateBundleDurationMs(spec.bundle.steps) / 1000;
    const maxIterationSeconds = settings.maxIterationSeconds ?? estimateOverloadedBundleSeconds(spec.bundle.steps);
    const vus = sizeVUs({ peakRatePerSecond, iterationSeconds, headroom: settings.headroom, maxIterationSeconds, maxConcurrentUsers: mostArrivalsWithin(platformCurve, maxIterationSeconds) });

    scenarios[platform] = {
      executor: 'ramping-arrival-rate',
      exec: settings.exec ?? 'playUser',
      startTime: `${Math.round(plan.startTimeSeconds * 1000)}ms`,
      // k6's default of 30 s would cut off users who arrive last and meet an overloaded target.
      gracefulStop: `${Math.max(30, Math.ceil(maxIterationSeconds))}s`,
      startRate: plan.startRate,
      timeUnit: plan.timeUnit,
      stages: plan.stages,
      // A dropped iteration is a user the generator failed to send, which hides the target's
      // behaviour. k6 drops an arrival whenever no VU is free while it grows the pool, so the
      // whole pool for an overloaded target is allocated up front.
      preAllocatedVUs: vus.maxVUs,
      maxVUs: vus.maxVUs,
      env: { HERD_PLATFORM: platform },
      tags: { platform },
    };
    platforms[platform] = {
      users: platformUsers,
      plannedIterations: plan.plannedIterations,
      peakRatePerSecond,
      estimatedIterationSeconds: iterationSeconds,
      worstShapeErrorFraction: plan.worstShapeErrorFraction,
    };
  }

  return {
    scenarios,
    thresholds: buildThresholds(event.thresholds ?? {}, Object.keys(scenarios)),
    herd: { event: event.name, scale, users, platforms },
  };
}

/** Copies the thresholds of the herd metrics onto each platform's sub-metric, such as `herd_admitted{platform:web}`. */
function buildThresholds(thresholds: Record<string, string[]>, platforms: readonly string[]): Record<string, string[]> {
  const result: Record<string, string[]> = { ...thresholds };
  for (const metric of perPlatformMetrics) {
    const expressions = thresholds[metric];
    if (expressions === undefined) {
      continue;
    }
    for (const platform of platforms) {
      result[`${metric}{platform:${platform}}`] = [...expressions];
    }
  }
  return result;
}

/**
 * Returns each platform's whole number of users at `scale`, as `buildEventOptions` splits them
 * (largest remainder over the shares), without planning any stages.
 */
export function usersByPlatform(event: LoadedEvent, scale: number): Record<string, number> {
  const names = Object.keys(event.platforms);
  const shareSum = names.reduce((sum, name) => sum + event.platforms[name].share, 0);
  const counts = wholeUsersByShare(Math.round(event.users * scale), names.map((name) => event.platforms[name].share / shareSum));
  const result: Record<string, number> = {};
  names.forEach((name, index) => {
    result[name] = counts[index];
  });
  return result;
}
