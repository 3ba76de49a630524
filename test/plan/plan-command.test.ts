import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildPlanReport } from '../../cli/plan/build-plan.ts';
import { loadEventForPlan } from '../../cli/plan/load-event.ts';
import type { PlanReport } from '../../cli/plan/types.ts';
import { buildWhatIfRows, trimBundle } from '../../cli/plan/what-if.ts';
import { runCommand } from '../../cli/plan-command.ts';
import { countRequests } from '../../lib/capacity/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';
import { legacyProfile } from '../../target/profiles.ts';

const storyPath = new URL('./fixtures/story.yaml', import.meta.url).pathname;
const outputDirectory = mkdtempSync(join(tmpdir(), 'herd-plan-test-'));
after(() => rmSync(outputDirectory, { recursive: true, force: true }));

function planStory(overrides: { scale?: number; servers?: number; simulate?: 'auto' | 'always' | 'never'; maxStages?: number } = {}): PlanReport {
  return buildPlanReport(loadEventForPlan(storyPath), { eventFile: storyPath, profile: legacyProfile, ...overrides });
}

/** Captures console.log output while `action` runs. */
async function captureOutput(action: () => Promise<number>): Promise<{ status: number; output: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  try {
    const status = await action();
    return { status, output: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

test('story plan reproduces the planning figures', () => {
  const report = planStory();
  assert.ok(Math.abs(report.total.requestsPerUser - 21.9) < 1e-9);
  assert.ok(Math.abs(report.total.peakUsersPerSecond - 4222) < 5, `peak ${report.total.peakUsersPerSecond}`);
  // 4,222 users/s × 21.9 requests / 17 per server; the meeting's 4,200 × 22 / 17 gave 5,435.
  assert.ok(Math.abs(report.total.serversIfPeakSecondInFlight - (report.total.peakUsersPerSecond * 21.9) / 17) < 1e-6);
  assert.ok(Math.abs(report.total.serversIfPeakSecondInFlight - 5435) / 5435 < 0.01);
  assert.deepEqual(
    report.platforms.map((platform) => [platform.name, platform.users, platform.requestsPerUser]),
    [
      ['mobile', 35_000, 30],
      ['web', 15_000, 3],
    ],
  );
});

test('story plan schedules every user once', () => {
  const report = planStory();
  assert.equal(report.total.plannedIterations, 50_000);
  for (const platform of report.platforms) {
    const timelineStarts = report.timeline.reduce((sum, second) => sum + second.plannedStarts[platform.name], 0);
    assert.equal(timelineStarts, platform.stages.plannedIterations, platform.name);
    assert.ok(platform.stages.worstShapeErrorFraction <= 0.01, `${platform.name}: ${platform.stages.worstShapeErrorFraction}`);
  }
});

test('default fleet is the servers needed', () => {
  const report = planStory();
  assert.equal(report.fleet.serversSource, 'servers-needed');
  assert.equal(report.fleet.servers, report.total.serversNeeded);
  assert.ok(report.peakSteadyState.rejectedShare < 0.01);
});

test('a run too large to simulate by default says how to simulate it', () => {
  const report = planStory();
  assert.equal(report.prediction, undefined);
  assert.match(report.notes.join('\n'), /1,095,000 requests, more than the 400,000 simulated by default; herd plan --simulate/);
});

const liveEventPath = new URL('../../scenarios/live-event.yaml', import.meta.url).pathname;

function planLiveEvent(overrides: { scale?: number; servers?: number }): PlanReport {
  return buildPlanReport(loadEventForPlan(liveEventPath), { eventFile: liveEventPath, profile: legacyProfile, ...overrides });
}

test('small fleet predicts 503s and slow admission', () => {
  const report = planLiveEvent({ scale: 0.1, servers: 2 });
  const prediction = report.prediction;
  assert.ok(prediction !== undefined);
  const busiest = report.timeline.reduce((worst, second) => (second.predictedRejectedShare > worst.predictedRejectedShare ? second : worst));
  assert.ok(busiest.second < 30, `most 503s at ${busiest.second} s`);
  assert.equal(prediction.workers, 34);
  assert.equal(prediction.users, 5000);
  assert.ok(prediction.rejectedShare > 0.1, `run 503 share ${prediction.rejectedShare}`);
  assert.ok(prediction.admittedShare < 0.6, `run admitted share ${prediction.admittedShare}`);
  assert.ok(prediction.timeToAdmitP95Seconds > 5, `time to admit p95 ${prediction.timeToAdmitP95Seconds}`);
  assert.ok(report.peakSteadyState.rejectedShare > 0.8, `503 share ${report.peakSteadyState.rejectedShare}`);
  assert.ok(report.fleet.sustainableUsersPerSecond < report.total.peakUsersPerSecond / 10);
});

test('the run simulation is deterministic', () => {
  const first = planLiveEvent({ scale: 0.02, servers: 1 });
  const second = planLiveEvent({ scale: 0.02, servers: 1 });
  assert.deepEqual(first.prediction, second.prediction);
});

test('a stage cap that breaks the shape bound warns', () => {
  assert.deepEqual(planStory().warnings, []);
  const warnings = planStory({ maxStages: 2 }).warnings;
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /^mobile: the 2 stages miss the arrival curve by up to \d+\.\d % of its peak, more than the 1\.0 % allowed; raise --max-stages/);
});

test('scale multiplies the users', () => {
  const report = planStory({ scale: 0.01 });
  assert.equal(report.event.users, 500);
  assert.equal(report.total.plannedIterations, 500);
  assert.ok(Math.abs(report.total.peakUsersPerSecond - 42.2) < 0.5);
});

test('what-if compares three variants', () => {
  const event = loadEventForPlan(storyPath);
  const settings = { eventFile: storyPath, profile: legacyProfile, servers: 100 };
  const baseline = buildPlanReport(event, settings);
  const rows = buildWhatIfRows(event, settings, baseline);

  assert.deepEqual(
    rows.map((row) => row.label),
    ['as planned', '5 waves over 10 min', 'mobile requests 30 → 16', 'concurrency per server 17 → 68'],
  );
  assert.ok(rows[1].peakUsersPerSecond < rows[0].peakUsersPerSecond / 4);
  assert.ok(Math.abs(rows[2].requestsPerUser - (0.7 * 16 + 0.3 * 3)) < 1e-9);
  assert.ok(rows[3].sustainableUsersPerSecond > 3.9 * rows[0].sustainableUsersPerSecond);
  for (const row of rows.slice(1)) {
    assert.ok(row.predictedAdmittedUsersPerSecond > rows[0].predictedAdmittedUsersPerSecond, row.label);
  }
});

test('trim keeps essential requests', () => {
  const bundle = loadEventForPlan(storyPath).platforms.mobile.bundle;
  const trimmed = trimBundle(bundle, 16);
  assert.deepEqual(countRequests(trimmed), { requests: 16, essentialRequests: 6 });
  assert.deepEqual(countRequests(trimBundle(bundle, 2)), { requests: 6, essentialRequests: 6 });
  assert.deepEqual(countRequests(bundle), { requests: 30, essentialRequests: 6 }, 'the original bundle is unchanged');
});

test('plan command writes JSON and SVG', async () => {
  const jsonPath = join(outputDirectory, 'nested', 'plan.json');
  const svgPath = join(outputDirectory, 'plan.svg');
  const { status, output } = await captureOutput(() => runCommand([storyPath, '--scale', '0.1', '--servers', '3', '--json', jsonPath, '--svg', svgPath, '--what-if']));

  assert.equal(status, 0);
  assert.match(output, /requests per user\s+30\.0\s+3\.0\s+21\.9/);
  assert.match(output, /λ\(t\): planned arrivals per second/);
  assert.match(output, /N\(t\): users arrived/);
  assert.match(output, /mobile requests 30 → 16/);
  const written = JSON.parse(readFileSync(jsonPath, 'utf8')) as PlanReport;
  assert.equal(written.schemaVersion, 1);
  assert.equal(written.event.users, 5000);
  assert.equal(written.fleet.servers, 3);
  assert.equal(written.whatIf?.length, 4);
  assert.ok(written.timeline.length > 60);
  const svg = readFileSync(svgPath, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
});

test('plan command rejects bad flags together', async () => {
  await assert.rejects(
    () => runCommand([storyPath, '--scale', '0', '--servers', '2.5', '--profile', 'mainframe']),
    (error: unknown) => {
      assert.ok(error instanceof HerdUserError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /--scale must be a number greater than 0, got "0"/);
      assert.match(error.message, /--servers must be a whole number of at least 1, got "2\.5"/);
      assert.match(error.message, /--profile must be legacy or high-concurrency, got "mainframe"/);
      return true;
    },
  );
});

test('plan command names a missing event file', async () => {
  const missing = join(outputDirectory, 'missing.yaml');
  await assert.rejects(
    () => runCommand([missing]),
    (error: unknown) => error instanceof HerdUserError && error.message.includes('missing.yaml'),
  );
});

test('plan command names the invalid arrival field', async () => {
  const eventPath = join(outputDirectory, 'bad-sigma.yaml');
  const fixtures = new URL('./fixtures/', import.meta.url).pathname;
  const text = readFileSync(storyPath, 'utf8')
    .replace('  within:\n    fraction: 0.99\n    seconds: 60\n', '  medianSeconds: 8\n  sigma: 0\n')
    .replaceAll('bundle: bundles/', `bundle: ${fixtures}bundles/`);
  assert.ok(text.includes('sigma: 0'));
  writeFileSync(eventPath, text);
  await assert.rejects(
    () => runCommand([eventPath]),
    (error: unknown) => error instanceof HerdUserError && error.message.includes('sigma') && !error.message.includes('thirty.yaml'),
  );
});

test('plan finds the servers that admit 99 %', () => {
  const report = planLiveEvent({ scale: 0.04, servers: 1 });
  const needed = report.prediction?.serversToAdmit99Percent;
  assert.ok(needed !== undefined, 'the plan should search for the servers that admit 99 %');
  assert.ok(needed > 1, `servers to admit 99 %: ${needed}`);
  assert.ok((planLiveEvent({ scale: 0.04, servers: needed }).prediction?.admittedShare ?? 0) >= 0.99);
  assert.ok((planLiveEvent({ scale: 0.04, servers: needed - 1 }).prediction?.admittedShare ?? 1) < 0.99);
});
