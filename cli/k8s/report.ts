// The report `herd k8s` prints: the files written, the reason for the runner count, and the kubectl steps that follow.

import type { K8sFlags } from './flags.ts';
import type { K8sGeneration } from './generate.ts';
import { configMapNameFor } from './manifests.ts';
import { CPU_UTILIZATION_TARGET, MEMORY_BYTES_PER_VU, MEMORY_UTILIZATION_TARGET, REQUESTS_PER_SECOND_PER_CORE, RUNNER_BASE_MEMORY_BYTES, VU_INIT_CPU_MS, formatBytes } from './sizing.ts';

/** Formats the summary of a generation: the files, the sizing with its assumptions, and the commands to apply and collect. */
export function formatK8sReport(generation: K8sGeneration, flags: K8sFlags): string {
  const { settings, peak, sizing } = generation;
  const namespaceFlag = settings.namespace === undefined ? '' : ` -n ${settings.namespace}`;
  const capacity = sizing.capacity;
  const preAllocatedVUsPerRunner = Math.ceil(peak.preAllocatedVUs / settings.parallelism);
  const maxVUsPerRunner = Math.ceil(peak.maxVUs / settings.parallelism);
  const initSeconds = (preAllocatedVUsPerRunner * VU_INIT_CPU_MS) / 1000;

  const lines = [
    `herd k8s: wrote ${generation.manifestPath}`,
    `  ConfigMap ${configMapNameFor(settings.name)}: ${[settings.script, ...settings.dataFiles].map((file) => `${file.fileName} (${file.content.length} bytes)`).join(', ')}`,
    `  TestRun ${settings.name}: ${settings.parallelism} runners of ${settings.runner.cpu} CPU and ${settings.runner.memory}, one per node (the cluster needs ${settings.parallelism} schedulable nodes), ` +
      `against ${generation.targetUrl} at scale ${flags.scale}${settings.cleanup === 'post' ? ', pods deleted afterwards' : ''}`,
    '',
    `plan: peak ${formatCount(peak.usersPerSecond)} users/s, ${formatCount(peak.requestsPerSecond)} requests/s, ` +
      `${formatCount(peak.preAllocatedVUs)} VUs pre-allocated and up to ${formatCount(peak.maxVUs)} (maxVUs, with ${flags.maxIterationSeconds} s per user at most) ` +
      `(${peak.platforms.map((platform) => `${platform.platform}: ${platform.requestsPerUser} requests per user`).join(', ')})`,
    `runners: ${flags.parallelism === 'auto' ? 'auto picked' : 'you set'} ${settings.parallelism}; the plan needs ${sizing.podsForRequestRate} for the request rate and ${sizing.podsForVUs} for maxVUs`,
    `  one runner of ${capacity.cpuCores} CPU and ${formatBytes(capacity.memoryBytes)} sustains about ${formatCount(capacity.requestsPerSecond)} requests/s ` +
      `(estimate: ${formatCount(REQUESTS_PER_SECOND_PER_CORE)} per core at ${CPU_UTILIZATION_TARGET * 100} % CPU) and ${formatCount(capacity.vus)} VUs ` +
      `(${MEMORY_BYTES_PER_VU / 1e6} MB each over ${RUNNER_BASE_MEMORY_BYTES / 1e6} MB, at ${MEMORY_UTILIZATION_TARGET * 100} % memory)`,
    `  each runner initialises about ${formatCount(preAllocatedVUsPerRunner)} VUs before the start (about ${initSeconds.toFixed(1)} s of CPU) and may grow to ${formatCount(maxVUsPerRunner)}`,
    '',
    'next:',
    `  kubectl apply -f ${generation.manifestPath}`,
    `  kubectl get testrun ${settings.name}${namespaceFlag} -w        # wait until its stage is finished`,
    `  kubectl logs${namespaceFlag} -l k6_cr=${settings.name},runner=true --prefix --tail=-1   # each runner's end-of-test summary`,
    `  kubectl delete -f ${generation.manifestPath}`,
    'results: each runner reports, and checks thresholds on, its own execution segment only. For totals across runners, ' +
      'send every runner to one output with --out (for example experimental-prometheus-rw) or use k6 cloud run.',
  ];
  return lines.join('\n');
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
