import assert from 'node:assert/strict';
import { test } from 'node:test';

import { judgeRound } from '../../cli/gate/hysteresis.ts';
import type { LoadSample } from '../../cli/gate/probe.ts';

const samplesOf = (values: number[]): LoadSample[] => values.map((value, index) => ({ atMs: index * 1000, metrics: { activeBackends: value } }));

test('round under the maximum is quiet', () => {
  const decision = judgeRound(samplesOf([1, 3, 5]), { activeBackends: 5 }, false, 0.8);
  assert.equal(decision.isQuiet, true);
  assert.deepEqual(decision.violations, []);
  assert.equal(decision.limits.activeBackends, 5);
});

test('one sample over makes the round busy', () => {
  const decision = judgeRound(samplesOf([1, 6, 2]), { activeBackends: 5 }, false, 0.8);
  assert.equal(decision.isQuiet, false);
  assert.equal(decision.violations.length, 1);
  assert.match(decision.violations[0] ?? '', /active backends reached 6 \(1 of 3 samples over the maximum 5\)/);
});

test('after a busy round the resume level applies', () => {
  const samples = samplesOf([4, 5, 4]);
  assert.equal(judgeRound(samples, { activeBackends: 5 }, false, 0.8).isQuiet, true);
  const afterBusy = judgeRound(samples, { activeBackends: 5 }, true, 0.8);
  assert.equal(afterBusy.isQuiet, false);
  assert.equal(afterBusy.limits.activeBackends, 4);
  assert.match(afterBusy.violations[0] ?? '', /over the resume level 4/);
});

test('every judged metric must be quiet', () => {
  const samples: LoadSample[] = [{ atMs: 0, metrics: { activeBackends: 1, transactionsPerSecond: 250.5 } }];
  const decision = judgeRound(samples, { activeBackends: 5, transactionsPerSecond: 100 }, false, 0.8);
  assert.equal(decision.isQuiet, false);
  assert.match(decision.violations.join(' '), /transactions per second reached 250\.5/);
});

test('missing metric is never quiet', () => {
  const decision = judgeRound(samplesOf([0]), { transactionsPerSecond: 100 }, false, 0.8);
  assert.equal(decision.isQuiet, false);
  assert.match(decision.violations[0] ?? '', /no sample had transactions per second/);
});

test('metric without a maximum is not judged', () => {
  const samples: LoadSample[] = [{ atMs: 0, metrics: { activeBackends: 1, longQueries: 40 } }];
  assert.equal(judgeRound(samples, { activeBackends: 5 }, false, 0.8).isQuiet, true);
});
