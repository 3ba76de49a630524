// A time-stepped fluid model of a herd run against a proxy queue with a timeout. Unlike the
// per-second steady state, it carries the queue's backlog from one moment to the next and lets
// each user send the bundle's requests wave by wave, giving up after a failed essential request.
import type { ArrivalCurve } from '../arrival/types.ts';
import type { BundleFile, RequestStep } from '../event/types.ts';
import { classifyRoute, meanServiceTimeMs, type TargetProfile } from '../../target/profiles.ts';

/** The figures the fluid model expects a run to measure. */
export interface FluidRunPrediction {
  /** Share of all users who got every essential response. */
  admittedShare: number;
  /** Share of requests sent that the proxy rejected with 503. */
  rejectedShare: number;
  requestsSent: number;
  admittedShareByPlatform: Record<string, number>;
  /** Mean seconds from arrival to the last essential response, over admitted users. */
  meanTimeToAdmitSeconds: number;
}

/** Requests a user sends together. The next wave starts when all of them have returned. */
interface Wave {
  requests: number;
  essentialRequests: number;
  /** Mean worker time of the wave's requests, in seconds. */
  meanServiceSeconds: number;
  /** Maximum mean worker time in the wave, because the wave ends with its slowest request. */
  slowestServiceSeconds: number;
}

/** Cuts a bundle into waves: a request step is a wave, a parallel group is ceil(n / maxConcurrency) waves. */
export function splitIntoWaves(bundle: BundleFile, profile: TargetProfile): Wave[] {
  const waves: Wave[] = [];
  const addWave = (steps: readonly RequestStep[]): void => {
    const serviceSeconds = steps.map((step) => {
      const route = classifyRoute(step.request.method, step.request.path);
      return route === undefined ? 0 : meanServiceTimeMs(profile, route) / 1000;
    });
    waves.push({
      requests: steps.length,
      essentialRequests: steps.filter((step) => step.request.essential !== false).length,
      meanServiceSeconds: serviceSeconds.reduce((sum, seconds) => sum + seconds, 0) / Math.max(1, steps.length),
      slowestServiceSeconds: Math.max(0, ...serviceSeconds),
    });
  };
  for (const step of bundle.steps) {
    if ('request' in step) {
      addWave([step]);
    } else if ('parallel' in step) {
      const lanes = Math.max(1, Math.min(step.parallel.maxConcurrency ?? step.parallel.steps.length, step.parallel.steps.length));
      for (let first = 0; first < step.parallel.steps.length; first += lanes) addWave(step.parallel.steps.slice(first, first + lanes));
    }
  }
  return waves;
}

interface Cohort {
  platform: string;
  users: number;
  arrivedAtSeconds: number;
  nextWave: number;
}

/**
 * Simulates the run in steps of `stepSeconds`. The queue is a fluid of work: V(t), the wait a
 * request joining now would have, grows by (work offered / workers) − elapsed time. A request that
 * joins while V ≥ the queue timeout gets a 503 after the timeout. Otherwise it waits V and is
 * served. When the queue is full, workers admit exactly their capacity and the rest is rejected.
 */
export function predictRunFluid(
  platforms: ReadonlyArray<{ name: string; curve: ArrivalCurve; bundle: BundleFile }>,
  profile: TargetProfile,
  servers: number,
  stepSeconds = 0.05,
): FluidRunPrediction {
  const workers = servers * profile.workersPerServer;
  const timeoutSeconds = profile.queueTimeoutMs / 1000;
  const wavesByPlatform = new Map(platforms.map((platform) => [platform.name, splitIntoWaves(platform.bundle, profile)]));
  const pending = new Map<number, Cohort[]>();
  const schedule = (cohort: Cohort, atSeconds: number): void => {
    const step = Math.max(0, Math.round(atSeconds / stepSeconds));
    const list = pending.get(step) ?? [];
    list.push(cohort);
    pending.set(step, list);
  };

  const startSeconds = Math.min(...platforms.map((platform) => platform.curve.startSeconds));
  const endSeconds = Math.max(...platforms.map((platform) => platform.curve.endSeconds));
  const totals = { requests: 0, rejected: 0, admittedUsers: 0, timeToAdmitSum: 0 };
  const admittedByPlatform = new Map<string, number>();
  let waitSeconds = 0;
  let lastStep = Math.ceil(endSeconds / stepSeconds);

  for (let step = Math.floor(startSeconds / stepSeconds); step <= lastStep; step++) {
    const nowSeconds = step * stepSeconds;
    if (nowSeconds <= endSeconds) {
      for (const platform of platforms) {
        const users = platform.curve.usersArrivedBy(nowSeconds + stepSeconds) - platform.curve.usersArrivedBy(nowSeconds);
        if (users > 0) schedule({ platform: platform.name, users, arrivedAtSeconds: nowSeconds, nextWave: 0 }, nowSeconds);
      }
    }

    // Work offered in this step, in worker-seconds, decides the share the queue admits.
    const cohorts = pending.get(step) ?? [];
    pending.delete(step);
    let offeredWorkSeconds = 0;
    for (const cohort of cohorts) {
      const wave = wavesByPlatform.get(cohort.platform)?.[cohort.nextWave];
      if (wave !== undefined) offeredWorkSeconds += cohort.users * wave.requests * wave.meanServiceSeconds;
    }
    const capacityWorkSeconds = workers * stepSeconds;
    const admittedFraction = waitSeconds < timeoutSeconds || offeredWorkSeconds === 0
      ? 1
      : Math.min(1, (capacityWorkSeconds + Math.max(0, timeoutSeconds - waitSeconds) * workers) / offeredWorkSeconds);
    const joinWaitSeconds = waitSeconds;
    waitSeconds = Math.min(timeoutSeconds, Math.max(0, waitSeconds + (offeredWorkSeconds * admittedFraction) / workers - stepSeconds));

    for (const cohort of cohorts) {
      const waves = wavesByPlatform.get(cohort.platform) ?? [];
      const wave = waves[cohort.nextWave];
      if (wave === undefined) continue;
      totals.requests += cohort.users * wave.requests;
      totals.rejected += cohort.users * wave.requests * (1 - admittedFraction);
      const survivors = cohort.users * Math.pow(admittedFraction, wave.essentialRequests);
      if (survivors <= 0) continue;
      // A non-essential 503 keeps the wave open until the timeout.
      const waveSeconds = admittedFraction < 1 && wave.requests > wave.essentialRequests ? Math.max(timeoutSeconds, joinWaitSeconds + wave.slowestServiceSeconds) : joinWaitSeconds + wave.slowestServiceSeconds;
      const doneAtSeconds = nowSeconds + Math.max(stepSeconds, waveSeconds);
      if (cohort.nextWave + 1 >= waves.length) {
        totals.admittedUsers += survivors;
        totals.timeToAdmitSum += survivors * (doneAtSeconds - cohort.arrivedAtSeconds);
        admittedByPlatform.set(cohort.platform, (admittedByPlatform.get(cohort.platform) ?? 0) + survivors);
        continue;
      }
      schedule({ ...cohort, users: survivors, nextWave: cohort.nextWave + 1 }, doneAtSeconds);
      lastStep = Math.max(lastStep, Math.round(doneAtSeconds / stepSeconds));
    }
  }

  const totalUsers = platforms.reduce((sum, platform) => sum + platform.curve.totalUsers, 0);
  const admittedShareByPlatform: Record<string, number> = {};
  for (const platform of platforms) {
    admittedShareByPlatform[platform.name] = platform.curve.totalUsers > 0 ? (admittedByPlatform.get(platform.name) ?? 0) / platform.curve.totalUsers : 0;
  }
  return {
    admittedShare: totalUsers > 0 ? totals.admittedUsers / totalUsers : 0,
    rejectedShare: totals.requests > 0 ? totals.rejected / totals.requests : 0,
    requestsSent: totals.requests,
    admittedShareByPlatform,
    meanTimeToAdmitSeconds: totals.admittedUsers > 0 ? totals.timeToAdmitSum / totals.admittedUsers : 0,
  };
}
