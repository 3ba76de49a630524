// The `k6/execution` module: read-only facts about the VU, scenario, instance and test.
import { currentContext } from '../context.ts';
import { ExitCode } from '../errors.ts';
import type { TestRun } from '../test-run.ts';

function outsideIteration(field: string): never {
  throw new Error(`exec.${field} is only available inside an iteration, setup or teardown, not in the init code`);
}

/** Builds the `k6/execution` module for one run; every field is a getter evaluated at the time of the call. */
export function createExecutionModule(run: TestRun): Record<string, unknown> {
  const vu = {
    get idInTest() {
      return currentContext()?.vu.idInTest ?? 0;
    },
    get idInInstance() {
      return currentContext()?.vu.idInTest ?? 0;
    },
    get iterationInInstance() {
      return currentContext()?.vu.iteration ?? 0;
    },
    get iterationInScenario() {
      return currentContext()?.vu.iteration ?? 0;
    },
    get tags() {
      return currentContext()?.vu.tags ?? outsideIteration('vu.tags');
    },
    get metrics() {
      const context = currentContext() ?? outsideIteration('vu.metrics');
      return { tags: context.vu.tags, metadata: {} };
    },
  };

  const scenario = {
    get name() {
      return currentContext()?.scenario?.config.name ?? outsideIteration('scenario.name');
    },
    get executor() {
      return currentContext()?.scenario?.config.executor ?? outsideIteration('scenario.executor');
    },
    get startTime() {
      return currentContext()?.scenario?.startedAtMs ?? outsideIteration('scenario.startTime');
    },
    get progress() {
      return currentContext()?.scenario?.progress() ?? outsideIteration('scenario.progress');
    },
    get iterationInInstance() {
      return currentContext()?.iterationInScenario ?? outsideIteration('scenario.iterationInInstance');
    },
    get iterationInTest() {
      return currentContext()?.iterationInScenario ?? outsideIteration('scenario.iterationInTest');
    },
  };

  const instance = {
    get vusActive() {
      return run.activeVUs;
    },
    get vusInitialized() {
      return run.vusAllocated;
    },
    get iterationsCompleted() {
      return run.scenarios.reduce((sum, state) => sum + state.iterationsCompleted, 0);
    },
    get iterationsInterrupted() {
      return run.scenarios.reduce((sum, state) => sum + state.iterationsInterrupted, 0);
    },
    get currentTestRunDuration() {
      return run.startedAtMs === 0 ? 0 : Date.now() - run.startedAtMs;
    },
  };

  const test = {
    abort(reason?: string) {
      const message = reason === undefined ? 'test aborted by exec.test.abort()' : `test aborted: ${reason}`;
      run.stop({ message, exitCode: ExitCode.scriptAborted });
      throw new Error(message);
    },
    get options() {
      return run.options;
    },
  };

  return { vu, scenario, instance, test, default: { vu, scenario, instance, test } };
}
