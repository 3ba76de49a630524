import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProgress } from '../../engine/console-output.ts';
import type { ScenarioState } from '../../engine/context.ts';
import { Metric } from '../../engine/metrics.ts';
import { ArrivalRateTracker, ResponseOutcomeCounter } from '../../engine/progress-counters.ts';
import type { Scenario } from '../../engine/options.ts';

function scenarioState(name: string, started: number, dropped: number): ScenarioState {
  return {
    config: { name } as Scenario,
    startedAtMs: 1_000,
    iterationsStarted: started,
    iterationsCompleted: started,
    iterationsInterrupted: 0,
    iterationsDropped: dropped,
    activeVUs: 3,
    allocatedVUs: 10,
    plannedIterations: 500,
    progress: () => 0.5,
  };
}

test('response counter splits outcomes', () => {
  const counter = new ResponseOutcomeCounter();
  const httpReqs = new Metric('http_reqs', 'counter', 'default');
  const other = new Metric('iterations', 'counter', 'default');
  for (const status of ['200', '503', '503', '0', '404']) counter.onSample({ metric: httpReqs, timeMs: 0, value: 1, tags: { status } });
  counter.onSample({ metric: other, timeMs: 0, value: 1, tags: { status: '503' } });

  assert.equal(counter.requests, 5);
  assert.equal(counter.serverErrors, 2);
  assert.equal(counter.connectionFailures, 1);
});

test('arrival tracker rates per interval', () => {
  const tracker = new ArrivalRateTracker();
  tracker.measure([scenarioState('web', 10, 0)], 2_000);
  const rates = tracker.measure([scenarioState('web', 40, 10)], 4_000).get('web');

  assert.equal(rates?.plannedPerSecond, 20);
  assert.equal(rates?.startedPerSecond, 15);
});

test('progress shows 5xx share and arrivals', () => {
  const responses = new ResponseOutcomeCounter();
  responses.requests = 200;
  responses.serverErrors = 50;
  const block = formatProgress(12_300, 10, [scenarioState('mobile', 100, 0)], { responses, arrivalRates: new Map([['mobile', { plannedPerSecond: 84.4, startedPerSecond: 80.2 }]]) });

  assert.match(block, /^running \(12\.3s\), 003\/010 VUs, .*; 200 requests, 5xx 25\.0 %, failed to connect 0\.0 %$/m);
  assert.match(block, /^mobile \[.*\] {2}50% 03\/10 VUs, 100 complete, arrivals\/s 80 of 84 planned$/m);
});
