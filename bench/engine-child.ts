// One measured load run in a process of its own, for bench/engine.bench.ts: either the built-in engine
// running a k6 script, or autocannon. Prints one JSON line with the figures on stdout.
//
//   node --import tsx bench/engine-child.ts engine SCRIPT KEY=VALUE...
//   node --import tsx bench/engine-child.ts autocannon URL CONNECTIONS DURATION_SECONDS
//
// HERD_BENCH_WORKERS=N runs the engine on N worker threads. CPU time is the whole process's, all
// threads included. Sample listeners see only the main thread's samples then, so steadyLagMs is empty.
//
// Add --expose-gc and HERD_BENCH_SAMPLE_MEMORY=1 to sample the heap and resident memory after a
// collection every 200 ms and report the medians; that costs time, so the throughput runs leave it off.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScript } from '../engine/index.ts';
import type { Sample, SampleListener } from '../engine/index.ts';

/** Figures of one child run, printed as its single JSON line. */
export interface ChildResult {
  wallMs: number;
  cpuMs: number;
  requests: number;
  /** Median of the memory samples; the single sample at the end when sampling is off. */
  medianRssBytes: number;
  medianHeapUsedBytes: number;
  /** The run's `--summary-export` metrics (engine runs only). */
  metrics: Record<string, Record<string, number>>;
  /** herd_schedule_lag of the starts after HERD_BENCH_STEADY_AFTER_MS from the first start, in ms. */
  steadyLagMs: { p50: number; p99: number; max: number; count: number };
}

/** Keeps the herd_schedule_lag values of starts that come `steadyAfterMs` or more after the first start. */
class SteadyLagRecorder implements SampleListener {
  private firstTimeMs: number | undefined;
  private readonly valuesMs: number[] = [];

  constructor(private readonly steadyAfterMs: number) {}

  onSample(sample: Sample): void {
    if (sample.metric.name !== 'herd_schedule_lag') return;
    this.firstTimeMs ??= sample.timeMs;
    if (sample.timeMs - this.firstTimeMs >= this.steadyAfterMs) this.valuesMs.push(sample.value);
  }

  summarize(): ChildResult['steadyLagMs'] {
    const sorted = Float64Array.from(this.valuesMs).sort();
    const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0, count: sorted.length };
  }
}

interface AutocannonResult {
  requests: { total: number };
  errors: number;
  non2xx: number;
}

type Autocannon = (options: { url: string; connections: number; duration: number }) => Promise<AutocannonResult>;

const MEMORY_SAMPLE_INTERVAL_MS = 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function startMemorySampler(): { stop: () => { medianRssBytes: number; medianHeapUsedBytes: number } } {
  const rssBytes: number[] = [];
  const heapUsedBytes: number[] = [];
  const collect = (globalThis as { gc?: () => void }).gc;
  const sample = (): void => {
    collect?.();
    const usage = process.memoryUsage();
    rssBytes.push(usage.rss);
    heapUsedBytes.push(usage.heapUsed);
  };
  const enabled = process.env.HERD_BENCH_SAMPLE_MEMORY === '1';
  const timer = enabled ? setInterval(sample, MEMORY_SAMPLE_INTERVAL_MS) : undefined;
  return {
    stop: () => {
      clearInterval(timer);
      if (rssBytes.length === 0) sample();
      return { medianRssBytes: median(rssBytes), medianHeapUsedBytes: median(heapUsedBytes) };
    },
  };
}

async function runEngine(scriptPath: string, pairs: string[]): Promise<ChildResult> {
  const env = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const directory = mkdtempSync(path.join(tmpdir(), 'herd-bench-'));
  const exportPath = path.join(directory, 'summary.json');
  let output = '';
  const steadyAfterMs = Number(process.env.HERD_BENCH_STEADY_AFTER_MS ?? 0);
  const workers = Number(process.env.HERD_BENCH_WORKERS ?? 1);
  const steadyLag = new SteadyLagRecorder(steadyAfterMs);
  // A listener makes the engine build a sample object per metric value, so runs that need none get none.
  const listeners = steadyAfterMs > 0 ? [steadyLag] : [];
  const sampler = startMemorySampler();
  const cpuBefore = process.cpuUsage();
  const startedAtMs = performance.now();
  try {
    await runScript({ scriptPath, env, quiet: true, summaryExport: exportPath, listeners, workers, writeStdout: (text) => (output += text), writeStderr: (text) => (output += text) });
    const wallMs = performance.now() - startedAtMs;
    const cpu = process.cpuUsage(cpuBefore);
    const memory = sampler.stop();
    const metrics = (JSON.parse(readFileSync(exportPath, 'utf8')) as { metrics: ChildResult['metrics'] }).metrics;
    if (output.includes('level=error')) process.stderr.write(output);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, requests: metrics.http_reqs?.count ?? 0, ...memory, metrics, steadyLagMs: steadyLag.summarize() };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function runAutocannon(url: string, connections: number, durationSeconds: number): Promise<ChildResult> {
  // autocannon ships no type declarations, so it is loaded through require with the shape used here.
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const sampler = startMemorySampler();
  const cpuBefore = process.cpuUsage();
  const startedAtMs = performance.now();
  const result = await autocannon({ url, connections, duration: durationSeconds });
  const wallMs = performance.now() - startedAtMs;
  const cpu = process.cpuUsage(cpuBefore);
  if (result.errors > 0 || result.non2xx > 0) process.stderr.write(`autocannon: ${result.errors} errors, ${result.non2xx} non-2xx responses\n`);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, requests: result.requests.total, ...sampler.stop(), metrics: {}, steadyLagMs: { p50: 0, p99: 0, max: 0, count: 0 } };
}

const [mode, ...rest] = process.argv.slice(2);
let result: ChildResult;
if (mode === 'engine' && rest[0] !== undefined) result = await runEngine(rest[0], rest.slice(1));
else if (mode === 'autocannon' && rest.length === 3) result = await runAutocannon(rest[0] as string, Number(rest[1]), Number(rest[2]));
else throw new Error(`usage: engine-child.ts engine SCRIPT KEY=VALUE... | autocannon URL CONNECTIONS DURATION_SECONDS (received: ${process.argv.slice(2).join(' ')})`);
process.stdout.write(`${JSON.stringify(result)}\n`);
