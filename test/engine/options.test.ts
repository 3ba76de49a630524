import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions } from '../../engine/options.ts';
import { parseDurationMs } from '../../engine/duration.ts';
import { isHerdUserError } from '../../lib/user-error.ts';

function configError(run: () => unknown): { message: string; exitCode: number } {
  try {
    run();
  } catch (error) {
    assert.ok(isHerdUserError(error), `expected a HerdUserError, got ${String(error)}`);
    return { message: error.message, exitCode: error.exitCode };
  }
  assert.fail('expected an error');
}

const arrival = { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, stages: [{ target: 5, duration: '1s' }] };

test('durations parse k6 units', () => {
  assert.equal(parseDurationMs('1m30s', 'x'), 90_000);
  assert.equal(parseDurationMs('500ms', 'x'), 500);
  assert.equal(parseDurationMs('1.5s', 'x'), 1500);
  assert.equal(parseDurationMs('2h', 'x'), 7_200_000);
  assert.equal(parseDurationMs(250, 'x'), 250);
});

test('duration without unit is invalid', () => {
  const error = configError(() => resolveOptions({ scenarios: { web: { ...arrival, stages: [{ target: 5, duration: '10' }] } } }));

  assert.equal(error.exitCode, 104);
  assert.match(error.message, /scenario "web": stages\[0\]\.duration/);
  assert.match(error.message, /"10" has no unit/);
});

test('negative duration is invalid', () => {
  const error = configError(() => resolveOptions({ scenarios: { web: { executor: 'constant-vus', duration: '-1s' } } }));

  assert.equal(error.exitCode, 104);
  assert.match(error.message, /scenario "web": duration: "-1s" is negative/);
});

test('unknown executor names the scenario', () => {
  const error = configError(() => resolveOptions({ scenarios: { mobile: { executor: 'arrival-magic' } } }));

  assert.equal(error.exitCode, 104);
  assert.match(error.message, /scenario "mobile": executor "arrival-magic" is not supported/);
});

test('unknown scenario option is rejected', () => {
  const error = configError(() => resolveOptions({ scenarios: { web: { ...arrival, arrivals: 5 } } }));

  assert.match(error.message, /scenario "web": unknown option "arrivals"/);
});

test('every problem is reported at once', () => {
  const error = configError(() =>
    resolveOptions({ scenarios: { a: { executor: 'constant-vus', duration: 'soon' }, b: { executor: 'ramping-arrival-rate', maxVUs: 2 } } }),
  );

  assert.match(error.message, /scenario "a": duration/);
  assert.match(error.message, /scenario "b": preAllocatedVUs is missing/);
  assert.match(error.message, /scenario "b": stages is missing/);
});

test('maxVUs defaults to preAllocatedVUs', () => {
  const options = resolveOptions({ scenarios: { web: arrival } });
  const scenario = options.scenarios[0];

  assert.equal(scenario?.executor, 'ramping-arrival-rate');
  assert.equal(scenario?.executor === 'ramping-arrival-rate' ? scenario.maxVUs : -1, 1);
  assert.equal(scenario?.gracefulStopMs, 30_000);
});

test('top-level herd block is ignored', () => {
  const options = resolveOptions({ herd: { anything: true }, scenarios: { web: arrival } });

  assert.equal(options.scenarios.length, 1);
});

test('shortcut options build the default scenario', () => {
  const cases: { raw: Record<string, unknown>; executor: string }[] = [
    { raw: {}, executor: 'per-vu-iterations' },
    { raw: { vus: 2, duration: '1s' }, executor: 'constant-vus' },
    { raw: { vus: 2, iterations: 10 }, executor: 'shared-iterations' },
    { raw: { stages: [{ target: 3, duration: '1s' }] }, executor: 'ramping-vus' },
  ];

  for (const { raw, executor } of cases) {
    const options = resolveOptions(raw);
    assert.equal(options.scenarios[0]?.name, 'default');
    assert.equal(options.scenarios[0]?.executor, executor);
  }
});

test('CLI overrides replace scenarios', () => {
  const options = resolveOptions({ scenarios: { web: arrival } }, { vus: 3, durationMs: 2000 });

  assert.equal(options.scenarios[0]?.name, 'default');
  assert.equal(options.scenarios[0]?.executor, 'constant-vus');
});
