import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantArrivalOffsetsMs, countOffsets, rampingArrivalOffsetsMs } from '../../engine/schedule.ts';
import type { Stage } from '../../engine/options.ts';

/** Slow exact reference: finds when the area under the piecewise-linear rate reaches k, by bisection. */
function referenceOffsetMs(startRate: number, stages: Stage[], k: number): number {
  const areaAt = (timeMs: number): number => {
    let area = 0;
    let from = startRate;
    let stageStartMs = 0;
    for (const stage of stages) {
      const spanMs = Math.min(stage.durationMs, Math.max(0, timeMs - stageStartMs));
      const rateAtEnd = from + ((stage.target - from) * spanMs) / stage.durationMs;
      area += ((from + rateAtEnd) / 2) * (spanMs / 1000);
      from = stage.target;
      stageStartMs += stage.durationMs;
    }
    return area;
  };
  let low = 0;
  let high = stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  for (let i = 0; i < 100; i++) {
    const middle = (low + high) / 2;
    if (areaAt(middle) >= k) high = middle;
    else low = middle;
  }
  return high;
}

test('ramp from zero starts at k6 measured offsets', () => {
  const stages = [
    { target: 10, durationMs: 1000 },
    { target: 10, durationMs: 1000 },
  ];
  const offsets = [...rampingArrivalOffsetsMs(0, 1000, stages)];
  // k6 v0.49 started these at 449, 634, 776, 896, 1001, 1102 … 2001 ms (1 ms late each).
  const measured = [449, 634, 776, 896, 1001, 1102, 1202, 1302, 1402, 1502, 1602, 1702, 1802, 1902, 2001];

  assert.equal(offsets.length, 15);
  offsets.forEach((offset, i) => assert.ok(Math.abs(offset - (measured[i] as number)) < 3, `iteration ${i + 1} at ${offset} ms`));
});

test('ramping offsets match the exact reference', () => {
  const stages = [
    { target: 37, durationMs: 1700 },
    { target: 5, durationMs: 900 },
    { target: 5, durationMs: 400 },
    { target: 80, durationMs: 1300 },
  ];
  const offsets = [...rampingArrivalOffsetsMs(3, 1000, stages)];

  offsets.forEach((offset, i) => assert.ok(Math.abs(offset - referenceOffsetMs(3, stages, i + 1)) < 0.001, `iteration ${i + 1}`));
  assert.equal(offsets.length, Math.floor(referenceAreaOf(3, stages) + 1e-9));
});

function referenceAreaOf(startRate: number, stages: Stage[]): number {
  let from = startRate;
  let area = 0;
  for (const stage of stages) {
    area += ((from + stage.target) / 2) * (stage.durationMs / 1000);
    from = stage.target;
  }
  return area;
}

test('ramping counts equal the rate integral', () => {
  const cases: { startRate: number; stages: Stage[]; expected: number }[] = [
    { startRate: 10, stages: [{ target: 100, durationMs: 2000 }, { target: 100, durationMs: 1000 }, { target: 0, durationMs: 1000 }], expected: 260 },
    { startRate: 0, stages: [{ target: 200, durationMs: 3000 }, { target: 0, durationMs: 2000 }], expected: 500 },
    { startRate: 0, stages: [{ target: 30, durationMs: 2000 }, { target: 0, durationMs: 1000 }], expected: 45 },
  ];

  for (const { startRate, stages, expected } of cases) assert.equal(countOffsets(rampingArrivalOffsetsMs(startRate, 1000, stages)), expected);
});

test('ramping offsets never decrease', () => {
  const offsets = [...rampingArrivalOffsetsMs(50, 1000, [{ target: 0, durationMs: 3000 }, { target: 120, durationMs: 1000 }])];

  for (let i = 1; i < offsets.length; i++) assert.ok((offsets[i] as number) >= (offsets[i - 1] as number));
});

test('time unit scales the rate', () => {
  assert.equal(countOffsets(rampingArrivalOffsetsMs(0, 60_000, [{ target: 600, durationMs: 10_000 }])), 50);
});

test('constant rate starts at zero', () => {
  const offsets = [...constantArrivalOffsetsMs(20, 1000, 3000)];

  assert.equal(offsets.length, 60);
  assert.equal(offsets[0], 0);
  assert.equal(offsets[1], 50);
  assert.equal(offsets[59], 2950);
});
