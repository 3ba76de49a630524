// Benchmark: how fast, light and punctual the built-in engine is, against the reference target's
// high-concurrency profile on 127.0.0.1, with autocannon on the same target in the same run as the
// ceiling of the machine.
//
//   node --import tsx bench/engine.bench.ts [--seconds 5] [--skip-20k]
//
// Prints, in about two minutes:
// - requests/s at saturation for a one-request iteration (closed model, 100 VUs, GET /health) beside
//   autocannon with 100 connections, three rounds each, with the ratio and the CPU time per request;
// - resident memory and heap per idle pre-allocated VU, from runs with 1, 1,000, 20,000 and 200,000 VUs;
// - herd_schedule_lag p50/p99/max at 1,000, 5,000 and 20,000 arrivals/s, with achieved against planned;
//   the steady figures leave out the first 2 s, which the whole-run figures include;
// - the saturation load on 2 worker threads (`--workers 2`) against one thread, three rounds, and the
//   20,000/s lag row once more on 2 worker threads.
// Each run is a process of its own (bench/engine-child.ts), so the target, the load generator and
// this script do not share an event loop. Figures are printed, never asserted.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildResult } from './engine-child.ts';

const repositoryDirectory = fileURLToPath(new URL('..', import.meta.url));
const childPath = fileURLToPath(new URL('./engine-child.ts', import.meta.url));
const CHILD_TIMEOUT_MS = 60_000;
const SATURATION_CONNECTIONS = 100;
const SATURATION_ROUNDS = 3;
const WARM_UP_SECONDS = 2;
// The worker rounds use two threads, one per core of the 2-core machine the figures were measured on.
const BENCH_WORKERS = 2;

const SATURATION_SCRIPT = `import http from 'k6/http';
export const options = {
  scenarios: { saturation: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION } },
  summaryTrendStats: ['avg', 'med', 'p(99)', 'max', 'count'],
};
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/health');
}
`;

const IDLE_SCRIPT = `export const options = {
  scenarios: { idle: { executor: 'constant-arrival-rate', rate: 1, timeUnit: '1s', duration: '2s', preAllocatedVUs: Number(__ENV.VUS), maxVUs: Number(__ENV.VUS) } },
};
export default async function () {}
`;

const ARRIVAL_SCRIPT = `import http from 'k6/http';
export const options = {
  scenarios: {
    arrivals: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s', duration: __ENV.DURATION, preAllocatedVUs: Number(__ENV.VUS), maxVUs: Number(__ENV.VUS) },
  },
  summaryTrendStats: ['avg', 'med', 'p(99)', 'max', 'count'],
};
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/health');
}
`;

/** Starts `herd target --profile high-concurrency` on 127.0.0.1, port 0, and resolves with its URL. */
function startTarget(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/herd.js', 'target', '--profile', 'high-concurrency', '--host', '127.0.0.1', '--port', '0'], {
    cwd: repositoryDirectory,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('herd target did not print its URL within 20 s')), 20_000);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ url: match[1] as string, child });
    });
    child.once('exit', (code) => reject(new Error(`herd target exited with status ${code} before listening`)));
  });
}

function runChild(args: string[], options: { sampleMemory?: boolean; steadyAfterMs?: number; workers?: number } = {}): ChildResult {
  const nodeFlags = options.sampleMemory === true ? ['--expose-gc'] : [];
  const result = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', childPath, ...args], {
    cwd: repositoryDirectory,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    env: {
      ...process.env,
      HERD_BENCH_SAMPLE_MEMORY: options.sampleMemory === true ? '1' : '0',
      HERD_BENCH_STEADY_AFTER_MS: String(options.steadyAfterMs ?? 0),
      HERD_BENCH_WORKERS: String(options.workers ?? 1),
    },
  });
  if (result.status !== 0) throw new Error(`bench child ${args.join(' ')} failed (status ${result.status ?? result.signal}): ${result.stderr}`);
  if (result.stderr !== '') process.stderr.write(result.stderr);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as ChildResult;
}

function metric(result: ChildResult, name: string, stat: string): number {
  return result.metrics[name]?.[stat] ?? 0;
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function measureSaturation(targetUrl: string, scriptPath: string, seconds: number): void {
  console.log(`\nsaturation: GET /health, ${SATURATION_CONNECTIONS} connections or VUs, ${seconds} s per run, ${SATURATION_ROUNDS} rounds in alternating order`);
  let engineRequests = 0;
  let engineSeconds = 0;
  let engineCpuMs = 0;
  let cannonRequests = 0;
  let cannonSeconds = 0;
  let cannonCpuMs = 0;

  const ratios: number[] = [];

  for (let round = 1; round <= SATURATION_ROUNDS; round++) {
    // Alternating which tool goes first spreads the target's warm-up and other load on the machine over both.
    const runCannon = (): ChildResult => runChild(['autocannon', `${targetUrl}/health`, String(SATURATION_CONNECTIONS), String(seconds)]);
    const runEngine = (): ChildResult => runChild(['engine', scriptPath, `TARGET=${targetUrl}`, `VUS=${SATURATION_CONNECTIONS}`, `DURATION=${seconds}s`]);
    const cannonFirst = round % 2 === 1;
    const first = cannonFirst ? runCannon() : runEngine();
    const second = cannonFirst ? runEngine() : runCannon();
    const cannon = cannonFirst ? first : second;
    const engine = cannonFirst ? second : first;
    const engineRate = metric(engine, 'http_reqs', 'rate');
    const cannonRate = cannon.requests / (cannon.wallMs / 1000);
    console.log(
      `  round ${round}: autocannon ${format(cannonRate)} requests/s (${format((cannon.cpuMs * 1000) / cannon.requests, 1)} µs CPU each), ` +
        `engine ${format(engineRate)} requests/s (${format((engine.cpuMs * 1000) / engine.requests, 1)} µs CPU each, http_req_duration p99 ${format(metric(engine, 'http_req_duration', 'p(99)'), 2)} ms), ratio ${format(engineRate / cannonRate, 2)}`,
    );
    ratios.push(engineRate / cannonRate);
    engineRequests += engine.requests;
    engineSeconds += engine.requests / engineRate;
    engineCpuMs += engine.cpuMs;
    cannonRequests += cannon.requests;
    cannonSeconds += cannon.wallMs / 1000;
    cannonCpuMs += cannon.cpuMs;
  }

  const engineRate = engineRequests / engineSeconds;
  const cannonRate = cannonRequests / cannonSeconds;
  const engineCpuPerRequestUs = (engineCpuMs * 1000) / engineRequests;
  const medianRatio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] ?? 0;
  console.log(`  all rounds: engine ${format(engineRate)} requests/s, autocannon ${format(cannonRate)} requests/s, ratio ${format(engineRate / cannonRate, 2)} (median of rounds ${format(medianRatio, 2)})`);
  console.log(
    `  engine CPU per request ${format(engineCpuPerRequestUs, 1)} µs (script load and summary included), so ${format(1e6 / engineCpuPerRequestUs)} requests/s per busy core; ` +
      `autocannon ${format((cannonCpuMs * 1000) / cannonRequests, 1)} µs`,
  );
}

function measureSaturationWithWorkers(targetUrl: string, scriptPath: string, seconds: number, workers: number): void {
  console.log(`\nsaturation on ${workers} worker threads against one thread: the same load, ${SATURATION_ROUNDS} rounds in alternating order`);
  for (let round = 1; round <= SATURATION_ROUNDS; round++) {
    const runEngine = (count: number): ChildResult => runChild(['engine', scriptPath, `TARGET=${targetUrl}`, `VUS=${SATURATION_CONNECTIONS}`, `DURATION=${seconds}s`], { workers: count });
    const threadedFirst = round % 2 === 0;
    const first = runEngine(threadedFirst ? workers : 1);
    const second = runEngine(threadedFirst ? 1 : workers);
    const threaded = threadedFirst ? first : second;
    const single = threadedFirst ? second : first;
    const describe = (result: ChildResult): string =>
      `${format(metric(result, 'http_reqs', 'rate'))} requests/s (${format((result.cpuMs * 1000) / result.requests, 1)} µs CPU each, all threads)`;
    console.log(`  round ${round}: one thread ${describe(single)}, ${workers} workers ${describe(threaded)}, ratio ${format(metric(threaded, 'http_reqs', 'rate') / metric(single, 'http_reqs', 'rate'), 2)}`);
  }
}

function measureIdleMemory(scriptPath: string): void {
  console.log('\nidle pre-allocated VUs: medians of samples taken after a forced collection every 200 ms of a 2 s run');
  const baseline = runChild(['engine', scriptPath, 'VUS=1'], { sampleMemory: true });
  for (const vus of [1000, 20_000, 200_000]) {
    const run = runChild(['engine', scriptPath, `VUS=${vus}`], { sampleMemory: true });
    const rssPerVuBytes = (run.medianRssBytes - baseline.medianRssBytes) / (vus - 1);
    const heapPerVuBytes = (run.medianHeapUsedBytes - baseline.medianHeapUsedBytes) / (vus - 1);
    console.log(
      `  ${format(vus)} VUs: resident ${format(run.medianRssBytes / 2 ** 20, 1)} MiB (1 VU: ${format(baseline.medianRssBytes / 2 ** 20, 1)} MiB), ` +
        `heap ${format(run.medianHeapUsedBytes / 2 ** 20, 1)} MiB (1 VU: ${format(baseline.medianHeapUsedBytes / 2 ** 20, 1)} MiB); per VU ${format(rssPerVuBytes)} bytes resident, ${format(heapPerVuBytes)} bytes of heap`,
    );
  }
}

/** Runs one arrival rate on worker threads; listeners do not see worker samples, so only whole-run lag is printed. */
function measureScheduleLagWithWorkers(targetUrl: string, scriptPath: string, rate: number, seconds: number, workers: number): void {
  const totalSeconds = WARM_UP_SECONDS + seconds;
  const vus = Math.max(200, rate / 10);
  const run = runChild(['engine', scriptPath, `TARGET=${targetUrl}`, `RATE=${rate}`, `VUS=${vus}`, `DURATION=${totalSeconds}s`], { workers });
  const planned = rate * totalSeconds;
  console.log(
    `  ${format(rate)}/s on ${workers} worker threads: herd_schedule_lag whole run p50 ${format(metric(run, 'herd_schedule_lag', 'med'), 3)} ms, ` +
      `p99 ${format(metric(run, 'herd_schedule_lag', 'p(99)'), 1)} ms, max ${format(metric(run, 'herd_schedule_lag', 'max'), 1)} ms; ` +
      `${format(metric(run, 'iterations', 'count'))} of ${format(planned)} planned iterations ran, ${format(metric(run, 'dropped_iterations', 'count'))} dropped (${vus} VUs)`,
  );
}

function measureScheduleLag(targetUrl: string, scriptPath: string, rates: number[], seconds: number): void {
  const totalSeconds = WARM_UP_SECONDS + seconds;
  console.log(`\nschedule lag: constant-arrival-rate, GET /health, ${totalSeconds} s per rate; "steady" leaves out the first ${WARM_UP_SECONDS} s, when code is cold and each new VU opens its connection`);
  for (const rate of rates) {
    const vus = Math.max(200, rate / 10);
    const run = runChild(['engine', scriptPath, `TARGET=${targetUrl}`, `RATE=${rate}`, `VUS=${vus}`, `DURATION=${totalSeconds}s`], { steadyAfterMs: WARM_UP_SECONDS * 1000 });
    const planned = rate * totalSeconds;
    const achieved = metric(run, 'iterations', 'count');
    const dropped = metric(run, 'dropped_iterations', 'count');
    const steady = run.steadyLagMs;
    console.log(
      `  ${format(rate)}/s: herd_schedule_lag steady p50 ${format(steady.p50, 3)} ms, p99 ${format(steady.p99, 3)} ms, max ${format(steady.max, 1)} ms (${format(steady.count)} starts); ` +
        `whole run p99 ${format(metric(run, 'herd_schedule_lag', 'p(99)'), 1)} ms, max ${format(metric(run, 'herd_schedule_lag', 'max'), 1)} ms; ` +
        `${format(achieved)} of ${format(planned)} planned iterations ran, ${format(dropped)} dropped (${vus} VUs)`,
    );
  }
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, 'skip-20k': { type: 'boolean', default: false } } });
const seconds = Math.max(1, Math.min(30, Number(values.seconds)));
const scriptDirectory = mkdtempSync(path.join(tmpdir(), 'herd-engine-bench-'));
const scripts = { saturation: path.join(scriptDirectory, 'saturation.js'), idle: path.join(scriptDirectory, 'idle.js'), arrivals: path.join(scriptDirectory, 'arrivals.js') };
writeFileSync(scripts.saturation, SATURATION_SCRIPT);
writeFileSync(scripts.idle, IDLE_SCRIPT);
writeFileSync(scripts.arrivals, ARRIVAL_SCRIPT);

const target = await startTarget();
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node.js ${process.version}; target ${target.url} (high-concurrency profile)`);
try {
  measureSaturation(target.url, scripts.saturation, seconds);
  measureSaturationWithWorkers(target.url, scripts.saturation, seconds, BENCH_WORKERS);
  measureIdleMemory(scripts.idle);
  measureScheduleLag(target.url, scripts.arrivals, values['skip-20k'] === true ? [1000, 5000] : [1000, 5000, 20_000], seconds);
  if (values['skip-20k'] !== true) measureScheduleLagWithWorkers(target.url, scripts.arrivals, 20_000, seconds, BENCH_WORKERS);
} finally {
  target.child.kill('SIGTERM');
  rmSync(scriptDirectory, { recursive: true, force: true });
}
