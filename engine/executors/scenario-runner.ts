// The parts every executor shares: VUs, running one iteration with its context and metrics, and graceful stop.
import { performance } from 'node:perf_hooks';
import { createScenarioState, Interruption, iterationStorage, sampleTags } from '../context.ts';
import type { IterationContext, ScenarioState, VuState } from '../context.ts';
import { ExitCode, UnsupportedCallError } from '../errors.ts';
import type { Scenario } from '../options.ts';
import type { TestRun } from '../test-run.ts';

type IterationFunction = (data: unknown) => unknown;

const SETTLED: Promise<void> = Promise.resolve();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

interface RunningIteration {
  vu: VuState;
  context: IterationContext;
  startedAtMs: number;
  onEnd: ((vu: VuState) => void) | undefined;
  /** The VU's `__ITER` when the iteration started, which identifies it among the VU's iterations. */
  iteration: number;
  interruption: Interruption;
  done: Promise<void>;
  interrupted: boolean;
}

/**
 * Resolves after `targetMs` on the performance clock, or as soon as `signal` aborts.
 * Waits are computed from absolute targets so that delays do not accumulate.
 */
export function waitUntil(targetMs: number, signal?: AbortSignal): Promise<void> {
  const delayMs = targetMs - performance.now();
  if (delayMs <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs the iterations of one scenario: owns its VUs, its counters and its in-flight iterations. */
export class ScenarioRunner {
  readonly state: ScenarioState;
  private readonly inFlight = new Set<RunningIteration>();
  private readonly iterationFunction: IterationFunction;
  private readonly baseTags: Record<string, string>;
  /** Tags of samples that belong to the scenario rather than to an iteration: options.tags, scenario tags and `scenario`. Shared, so read only. */
  get scenarioTags(): Readonly<Record<string, string>> {
    return this.baseTags;
  }

  constructor(
    readonly run: TestRun,
    readonly config: Scenario,
    exports: Record<string, unknown>,
    private readonly setupData: unknown,
  ) {
    const candidate = exports[config.exec];
    if (typeof candidate !== 'function') {
      const hint = config.exec === 'default' ? 'export a default function' : `export a function named "${config.exec}" or fix the scenario's exec`;
      throw new UnsupportedCallError(`scenario "${config.name}": exec "${config.exec}" is not an exported function of the script; ${hint}`);
    }
    this.iterationFunction = candidate as IterationFunction;
    this.baseTags = { ...run.options?.tags, ...config.tags, scenario: config.name };
    this.state = createScenarioState(config, () => 0);
    run.scenarios.push(this.state);
  }

  /** Allocates a new VU for this scenario; VUs are plain objects, so this is cheap. */
  newVu(): VuState {
    this.state.allocatedVUs++;
    this.run.vusAllocated++;
    return { idInTest: this.run.nextVuId++, idInScenario: this.state.allocatedVUs, iteration: 0, pool: undefined, jar: undefined, tags: {} };
  }

  /**
   * Starts one iteration on `vu` and returns a promise that settles when it ends or is interrupted; it
   * never rejects. `onEnd`, when given, is called with the VU at that moment, before the promise settles.
   */
  startIteration(vu: VuState, onEnd?: (vu: VuState) => void): Promise<void> {
    const interruption = new Interruption();
    const iterationInScenario = this.state.iterationsStarted++;
    const context: IterationContext = {
      vu,
      scenario: this.state,
      iterationInScenario,
      groupPath: '',
      interruption,
      baseTags: this.baseTags,
    };
    const running: RunningIteration = { vu, iteration: vu.iteration, interruption, done: SETTLED, interrupted: false, startedAtMs: performance.now(), context, onEnd };
    this.inFlight.add(running);
    vu.jar?.clear();

    // No async function and no await here: while AsyncLocalStorage is active, each promise costs async
    // hooks, and this runs for every iteration. The context stays with every promise created inside run().
    let result: unknown;
    try {
      result = iterationStorage.run(context, this.callIterationFunction);
    } catch (error) {
      this.endIteration(running, error, true);
      return SETTLED;
    }
    if (!isThenable(result)) {
      this.endIteration(running, undefined, false);
      return SETTLED;
    }
    running.done = Promise.resolve(result).then(
      () => this.endIteration(running, undefined, false),
      (error: unknown) => this.endIteration(running, error, true),
    );
    return running.done;
  }

  private readonly callIterationFunction = (): unknown => this.iterationFunction(this.setupData);

  private endIteration(running: RunningIteration, error: unknown, failed: boolean): void {
    const { vu, context } = running;
    if (failed && !running.interrupted) this.reportIterationError(error);
    this.inFlight.delete(running);
    vu.iteration++;
    if (this.run.options?.noVUConnectionReuse === true && vu.pool !== undefined) {
      const pool = vu.pool;
      vu.pool = undefined;
      void pool.close();
    }
    if (!running.interrupted) {
      this.state.iterationsCompleted++;
      const tags = sampleTags(context);
      this.run.registry.add(this.run.builtin.iterationDuration, performance.now() - running.startedAtMs, tags);
      this.run.registry.add(this.run.builtin.iterations, 1, tags);
    }
    running.onEnd?.(vu);
  }

  private reportIterationError(error: unknown): void {
    if (error instanceof UnsupportedCallError) {
      this.run.stop({ message: error.message, exitCode: ExitCode.scriptException });
      return;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // Each distinct exception is logged once; the end of the run reports how many iterations threw.
    this.run.iterationErrorCount++;
    const firstLine = message.split('\n', 1)[0] ?? message;
    this.run.logger.once(`iteration-error:${this.config.name}:${firstLine}`, 'error', message, { executor: this.config.executor, scenario: this.config.name, source: 'stacktrace' });
  }

  /** Counts one dropped iteration, as k6 does when no VU is free. */
  dropIteration(): void {
    this.state.iterationsDropped++;
    this.run.registry.add(this.run.builtin.droppedIterations, 1, sampleTags(undefined, this.baseTags));
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Returns the VU's `__ITER` of its running iteration, or undefined when the VU is idle. */
  runningIterationOf(vu: VuState): number | undefined {
    for (const running of this.inFlight) if (running.vu === vu) return running.iteration;
    return undefined;
  }

  /** Interrupts the VU's iteration number `iteration` if it is still running; its pending requests are aborted. */
  interruptIteration(vu: VuState, iteration: number): void {
    for (const running of this.inFlight) {
      if (running.vu !== vu || running.iteration !== iteration) continue;
      running.interrupted = true;
      running.interruption.interrupt();
      this.state.iterationsInterrupted++;
      this.inFlight.delete(running);
    }
  }

  /**
   * Waits for running iterations to end, at most until `deadlineMs` on the performance clock, then
   * interrupts the rest: their pending requests are aborted and they count as interrupted.
   */
  async finishInFlight(deadlineMs: number): Promise<void> {
    while (this.inFlight.size > 0 && performance.now() < deadlineMs) {
      const remainingMs = deadlineMs - performance.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, remainingMs)));
      await Promise.race([Promise.all([...this.inFlight].map((running) => running.done)), timeout]);
      clearTimeout(timer);
    }
    for (const running of this.inFlight) {
      running.interrupted = true;
      running.interruption.interrupt();
      this.state.iterationsInterrupted++;
    }
    this.inFlight.clear();
  }

  /** Closes every connection pool the scenario's VUs opened. */
  async closeVus(vus: Iterable<VuState>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const vu of vus) {
      if (vu.pool !== undefined) closing.push(vu.pool.close());
      vu.pool = undefined;
    }
    await Promise.allSettled(closing);
  }
}
