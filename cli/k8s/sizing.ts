// How many k6 runner pods a plan needs, from what one pod of a given size sustains.

import { HerdUserError } from '../../lib/user-error.ts';

/**
 * Requests per second one busy core of a k6 runner sends: an estimate, not a measurement.
 * k6's "Running large tests" guide reports up to 300,000 requests/s from one k6 instance on a
 * large machine, without a per-core figure. Bundles with JSON parsing, checks and custom metrics
 * cost more per request than that guide's simple requests, so this takes a low figure.
 */
export const REQUESTS_PER_SECOND_PER_CORE = 2000;

/** Share of a runner's CPU limit that load may use. k6's guide advises keeping at least 20 % idle, or latency readings inflate. */
export const CPU_UTILIZATION_TARGET = 0.8;

/**
 * Resident memory per VU, measured with k6 v0.49 and a 31 KB bundle (papaparse, a 30-request
 * bundle description, two custom metrics): 312 MB at 100 VUs, 3.25 GB at 5,000 VUs.
 */
export const MEMORY_BYTES_PER_VU = 600 * 1000;

/** Resident memory of a k6 process before its VUs, from the same measurement (312 MB − 100 × 0.6 MB). */
export const RUNNER_BASE_MEMORY_BYTES = 252 * 1000 * 1000;

/** Share of a runner's memory limit that VUs may fill; the rest is for response bodies and metric buffers before the kernel kills the pod. */
export const MEMORY_UTILIZATION_TARGET = 0.8;

/** CPU time k6 spends initialising one VU (the same measurement: 27 s for 5,000 VUs). Spent before the test starts. */
export const VU_INIT_CPU_MS = 5.5;

/** The load a plan puts on its runners at the peak. */
export interface PeakLoad {
  requestsPerSecond: number;
  /** VUs the script may allocate in all: maxVUs summed over its scenarios. */
  vus: number;
}

/** Capacity of one runner pod of a given size, by the constants above. */
export interface RunnerCapacity {
  cpuCores: number;
  memoryBytes: number;
  requestsPerSecond: number;
  vus: number;
}

/** The chosen runner count and the reason for it. */
export interface ParallelismChoice {
  parallelism: number;
  capacity: RunnerCapacity;
  /** Pods needed for the request rate and for the VUs; the larger one wins. */
  podsForRequestRate: number;
  podsForVUs: number;
  limitedBy: 'request rate' | 'VUs';
}

/** Computes what one runner with `cpuCores` and `memoryBytes` sustains. Throws HerdUserError when the memory cannot hold a single VU. */
export function computeRunnerCapacity(cpuCores: number, memoryBytes: number): RunnerCapacity {
  const vus = Math.floor((memoryBytes * MEMORY_UTILIZATION_TARGET - RUNNER_BASE_MEMORY_BYTES) / MEMORY_BYTES_PER_VU);
  if (vus < 1) {
    const minimumMiB = Math.ceil((RUNNER_BASE_MEMORY_BYTES + MEMORY_BYTES_PER_VU) / MEMORY_UTILIZATION_TARGET / 1048576);
    throw new HerdUserError('K8S_RUNNER_TOO_SMALL', `--runner-memory of ${formatBytes(memoryBytes)} cannot hold one k6 VU; give each runner at least ${minimumMiB}Mi.`, 2);
  }
  return {
    cpuCores,
    memoryBytes,
    requestsPerSecond: Math.floor(cpuCores * REQUESTS_PER_SECOND_PER_CORE * CPU_UTILIZATION_TARGET),
    vus,
  };
}

/** Picks the smallest runner count whose pods together sustain the peak request rate and hold the peak VUs; at least 1. */
export function chooseParallelism(peak: PeakLoad, capacity: RunnerCapacity): ParallelismChoice {
  const podsForRequestRate = Math.max(1, Math.ceil(peak.requestsPerSecond / capacity.requestsPerSecond));
  const podsForVUs = Math.max(1, Math.ceil(peak.vus / capacity.vus));
  return {
    parallelism: Math.max(podsForRequestRate, podsForVUs),
    capacity,
    podsForRequestRate,
    podsForVUs,
    limitedBy: podsForVUs > podsForRequestRate ? 'VUs' : 'request rate',
  };
}

const QUANTITY_PATTERN = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const QUANTITY_MULTIPLIERS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * Reads a Kubernetes resource quantity such as `2`, `500m`, `4Gi` or `4096M` as a plain number
 * (cores or bytes). Accepts the common subset: no sign and no exponent form. Throws HerdUserError.
 */
export function parseQuantity(text: string, flag: string): number {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) {
    throw new HerdUserError('K8S_FLAG_INVALID', `${flag} "${text}" is not a Kubernetes quantity; write it like 2, 500m, 4Gi or 4096Mi.`, 2);
  }
  const value = Number(match[1]) * QUANTITY_MULTIPLIERS[match[2] ?? ''];
  if (!(value > 0)) {
    throw new HerdUserError('K8S_FLAG_INVALID', `${flag} "${text}" must be greater than zero.`, 2);
  }
  return value;
}

/** Formats a byte count in binary units for messages, such as `3.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unitIndex = 0;
  while (value >= 1024 && unitIndex < units.length - 1) {
    value /= 1024;
    unitIndex++;
  }
  return `${Math.round(value * 10) / 10} ${units[unitIndex]}`;
}
