// Loads a k6 script: bundles it with esbuild into CommonJS (k6 modules left external) and evaluates it
// once. Every VU shares that one evaluation, so per-VU values come from getters backed by AsyncLocalStorage.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { currentContext } from './context.ts';
import { scriptError } from './errors.ts';
import type { TestRun } from './test-run.ts';
import { createK6Module } from './modules/k6.ts';
import { createHttpModule } from './modules/http.ts';
import { createMetricsModule } from './modules/metrics.ts';
import { createExecutionModule } from './modules/execution.ts';
import { createDataModule } from './modules/data.ts';
import { createEncodingModule } from './modules/encoding.ts';
import * as textSummaryModule from '../lib/report/text-summary.ts';

/** The exports of an evaluated script that the engine uses. */
export interface ScriptExports {
  options?: unknown;
  default?: unknown;
  setup?: unknown;
  teardown?: unknown;
  handleSummary?: unknown;
  [name: string]: unknown;
}

const TEXT_SUMMARY_MODULE = 'k6-herd:text-summary';
// k6's summary library from jslib.k6.io is served by lib/report, which renders the same layout.
const K6_SUMMARY_URL = /^https:\/\/jslib\.k6\.io\/k6-summary\/[^/]+\/index\.js$/;

function remoteImportsPlugin(): Plugin {
  return {
    name: 'k6-remote-imports',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^https?:\/\// }, (args) => {
        if (K6_SUMMARY_URL.test(args.path)) return { path: TEXT_SUMMARY_MODULE, external: true };
        return {
          errors: [{ text: `remote module "${args.path}" cannot be loaded: the built-in engine does not download code; save the file next to the script and import it by a relative path` }],
        };
      });
    },
  };
}

async function bundleScript(scriptPath: string): Promise<string> {
  try {
    const result = await build({
      entryPoints: [scriptPath],
      bundle: true,
      format: 'cjs',
      platform: 'neutral',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      external: ['k6', 'k6/*'],
      mainFields: ['module', 'main'],
      plugins: [remoteImportsPlugin()],
    });
    return result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const failure = error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] };
    const lines = (failure.errors ?? []).map((entry) => {
      const where = entry.location ? `${entry.location.file}:${entry.location.line}:${entry.location.column}: ` : '';
      return `${where}${entry.text}`;
    });
    throw scriptError(`could not load ${scriptPath}:\n  ${lines.length > 0 ? lines.join('\n  ') : (error as Error).message}`);
  }
}

const BLOCKING_HTTP_CALLS = ['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch'];

/**
 * Finds calls of the blocking k6 functions (`http.get`, `http.batch`, `sleep`, …) in the bundled code,
 * whichever name the script imported them under, so that the run fails before it starts.
 * NOTE: a call on a path that never runs is rejected too; the script must not contain one.
 */
export function findBlockingCalls(bundledCode: string): string[] {
  const found = new Set<string>();
  const bindings = bundledCode.matchAll(/var ([\w$]+) = (?:__toESM\()?require\("(k6\/http|k6)"\)/g);
  for (const [, binding, module] of bindings) {
    const names = module === 'k6' ? ['sleep'] : BLOCKING_HTTP_CALLS;
    const call = new RegExp(`\\b${(binding as string).replace(/\$/g, '\\$')}(?:\\.default)?\\.(${names.join('|')})\\)?\\s*\\(`, 'g');
    for (const match of bundledCode.matchAll(call)) found.add(module === 'k6' ? 'sleep()' : `http.${match[1]}()`);
  }
  return [...found];
}

function asyncReplacement(call: string): string {
  if (call === 'sleep()') return 'await new Promise((resolve) => setTimeout(resolve, ms))';
  if (call === 'http.batch()') return 'await Promise.all(requests.map((r) => http.asyncRequest(r.method, r.url, r.body, r.params)))';
  const method = call === 'http.del()' ? 'DELETE' : call.slice('http.'.length, -2).toUpperCase();
  return `await http.asyncRequest('${method}', url, body, params)`;
}

function blockingCallsError(scriptPath: string, calls: string[]): Error {
  const advice = calls.map((call) => `  - ${call}: write \`${asyncReplacement(call)}\``);
  return scriptError(
    `${scriptPath} calls blocking k6 functions, which the built-in engine cannot run because every VU shares one thread. Use the async forms inside an async function (k6 runs them too):\n${advice.join('\n')}`,
  );
}

function createRequire(run: TestRun): (name: string) => unknown {
  const modules: Record<string, () => Record<string, unknown>> = {
    k6: () => createK6Module(run),
    'k6/http': () => createHttpModule(run),
    'k6/metrics': () => createMetricsModule(run),
    'k6/execution': () => createExecutionModule(run),
    'k6/data': () => createDataModule(),
    'k6/encoding': () => createEncodingModule(),
    'k6/timers': () => ({ setTimeout, clearTimeout, setInterval, clearInterval }),
    [TEXT_SUMMARY_MODULE]: () => ({ ...textSummaryModule, default: textSummaryModule }),
  };
  const loaded = new Map<string, unknown>();

  return (name: string) => {
    const cached = loaded.get(name);
    if (cached !== undefined) return cached;
    const factory = modules[name];
    if (factory === undefined) {
      const supported = Object.keys(modules).filter((key) => key !== TEXT_SUMMARY_MODULE).join(', ');
      throw scriptError(`module "${name}" is not supported by the built-in engine (supported: ${supported}); run this script with k6 instead`);
    }
    const module = { __esModule: true, ...factory() };
    loaded.set(name, module);
    return module;
  };
}

function createConsole(run: TestRun): Console {
  const format = (values: unknown[]): string => values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? String(value))).join(' ');
  const write = (level: 'debug' | 'info' | 'warning' | 'error') => (...values: unknown[]) => run.logger.log(level, format(values), { source: 'console' });
  return { ...console, log: write('info'), info: write('info'), debug: write('debug'), warn: write('warning'), error: write('error') };
}

function createOpen(run: TestRun): (filePath: string, mode?: string) => string | ArrayBuffer {
  return (filePath, mode) => {
    const resolved = path.resolve(run.scriptDirectory, filePath.startsWith('file://') ? fileURLToPath(filePath) : filePath);
    let data: Buffer;
    try {
      data = readFileSync(resolved);
    } catch (error) {
      throw new Error(`open("${filePath}"): cannot read ${resolved}: ${(error as Error).message}`);
    }
    if (mode === 'b') return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    return data.toString('utf8');
  };
}

/**
 * Returns the `__ENV` object: `-e` values, overlaid inside an iteration by the running scenario's `env`,
 * so that each scenario reads its own values although all share one evaluation of the script.
 */
function createEnvironment(run: TestRun): Record<string, string> {
  const scenarioEnv = (): Record<string, string> => currentContext()?.scenario?.config.env ?? {};
  return new Proxy(run.environment, {
    get: (target, key) => (typeof key === 'string' ? (scenarioEnv()[key] ?? target[key]) : undefined),
    has: (target, key) => typeof key === 'string' && (key in scenarioEnv() || key in target),
    ownKeys: (target) => [...new Set([...Object.keys(target), ...Object.keys(scenarioEnv())])],
    getOwnPropertyDescriptor: (target, key) => {
      if (typeof key !== 'string') return undefined;
      const value = scenarioEnv()[key] ?? target[key];
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: true };
    },
  });
}

let globalsInstalled = false;

/** Defines `__VU` and `__ITER` on the global object as getters of the current iteration's values. */
function installIterationGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  Object.defineProperty(globalThis, '__VU', { configurable: true, get: () => currentContext()?.vu.idInTest ?? 0 });
  Object.defineProperty(globalThis, '__ITER', { configurable: true, get: () => currentContext()?.vu.iteration ?? 0 });
}

/**
 * Bundles and evaluates the script at `scriptPath`, running its init code once.
 * Throws a script error (exit status 107) for a syntax error, an unsupported import or an exception at init.
 */
export async function loadScript(scriptPath: string, run: TestRun): Promise<ScriptExports> {
  const absolutePath = path.resolve(scriptPath);
  try {
    readFileSync(absolutePath);
  } catch (error) {
    throw scriptError(`script ${scriptPath} cannot be read: ${(error as Error).message}. Check the path; it is relative to the current folder`);
  }
  run.scriptDirectory = path.dirname(absolutePath);
  installIterationGlobals();

  const code = await bundleScript(absolutePath);
  const blockingCalls = findBlockingCalls(code);
  if (blockingCalls.length > 0) throw blockingCallsError(scriptPath, blockingCalls);
  const wrapped = `(function (exports, require, module, __filename, __dirname, open, console, __ENV) {${code}\n})`;
  const module: { exports: ScriptExports } = { exports: {} };
  try {
    const evaluate = vm.runInThisContext(wrapped, { filename: absolutePath }) as (...args: unknown[]) => void;
    evaluate(module.exports, createRequire(run), module, absolutePath, run.scriptDirectory, createOpen(run), createConsole(run), createEnvironment(run));
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error) throw error;
    // The frames below the script's own are the engine loading it, which is of no use to the user.
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const lines = stack.split('\n');
    const firstEngineFrame = lines.findIndex((line, index) => index > 0 && /^\s+at /.test(line) && !line.includes(absolutePath));
    const message = firstEngineFrame < 0 ? stack : lines.slice(0, firstEngineFrame).join('\n');
    throw scriptError(`the init code of ${scriptPath} threw an exception:\n${message}`);
  }
  return module.exports;
}
