import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExecutionSegment, selectSegmentOffsets } from '../../engine/execution-segment.ts';
import { rampingArrivalOffsetsMs } from '../../engine/schedule.ts';
import { runCaptured, writeScript } from './helpers.ts';

const stages = [
  { target: 40, durationMs: 1_000 },
  { target: 40, durationMs: 500 },
  { target: 0, durationMs: 500 },
];

function wholeSchedule(): number[] {
  return [...rampingArrivalOffsetsMs(0, 1_000, stages)];
}

test('segments partition the schedule exactly', () => {
  for (const sequence of ['0,1/2,1', '0,1/3,2/3,1', '0,1/4,1', '0,0.1,35%,1']) {
    const points = sequence.split(',');
    const union: number[] = [];
    for (let index = 1; index < points.length; index++) {
      const segment = parseExecutionSegment(`${points[index - 1]}:${points[index]}`, sequence);
      union.push(...selectSegmentOffsets(wholeSchedule(), segment));
    }
    assert.deepEqual(union.sort((a, b) => a - b), wholeSchedule(), `sequence ${sequence}`);
  }
});

test('segment share follows its width', () => {
  const total = wholeSchedule().length;
  const first = [...selectSegmentOffsets(wholeSchedule(), parseExecutionSegment('0:1/4', '0,1/4,1'))].length;

  assert.equal(total, 50);
  assert.ok(Math.abs(first - total / 4) <= 1, `first quarter ran ${first} of ${total}`);
});

test('bad segments name the flag', () => {
  assert.throws(() => parseExecutionSegment('1/2'), /--execution-segment "1\/2" is invalid: expected from:to/);
  assert.throws(() => parseExecutionSegment('2/3:1/3'), /the start must be below the end/);
  assert.throws(() => parseExecutionSegment('0:3/2'), /3\/2 is above 1/);
  assert.throws(() => parseExecutionSegment('0:1/3', '0,1/2,1'), /not two neighbouring points of the sequence 0,1\/2,1/);
  assert.throws(() => parseExecutionSegment('0:x'), /"x" is not a fraction/);
});

test('segmented runs add up to the whole', async () => {
  const source = `
export const options = {
  scenarios: {
    ramp: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 5, maxVUs: 5,
      stages: [{ target: 40, duration: '1s' }, { target: 40, duration: '500ms' }, { target: 0, duration: '500ms' }] },
  },
};
export default async function () {}
`;
  const scriptPath = writeScript(source);
  const iterationsOf = (stdout: string): number => Number(/iterations\.+: (\d+)/.exec(stdout)?.[1] ?? Number.NaN);

  const whole = await runCaptured({ scriptPath });
  const first = await runCaptured({ scriptPath, executionSegment: '0:1/3', executionSegmentSequence: '0,1/3,1' });
  const second = await runCaptured({ scriptPath, executionSegment: '1/3:1', executionSegmentSequence: '0,1/3,1' });

  assert.equal(whole.exitCode, 0, whole.stderr);
  assert.equal(iterationsOf(whole.stdout), 50);
  assert.equal(iterationsOf(first.stdout) + iterationsOf(second.stdout), 50);
  assert.ok(iterationsOf(first.stdout) >= 16, first.stdout);
  assert.ok(iterationsOf(first.stdout) <= 17, first.stdout);
});

test('closed-model scenarios cannot be segmented', async () => {
  const scriptPath = writeScript(`export const options = { vus: 1, iterations: 2 };\nexport default async function () {}\n`);

  await assert.rejects(runCaptured({ scriptPath, executionSegment: '0:1/2' }), /--segment and --execution-segment split arrival-rate scenarios only/);
});
