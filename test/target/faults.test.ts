import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isHerdUserError } from '../../lib/user-error.ts';
import { checkFaultOptions, parseFaultList, type FaultOptions } from '../../target/faults.ts';
import { legacyProfile, routeKeys, startTarget, type RouteKey, type RunningTarget, type TargetProfile } from '../../target/index.ts';

const quickRoutes = Object.fromEntries(routeKeys.map((route) => [route, { medianMs: 1, p99Ms: 1 }])) as Record<RouteKey, { medianMs: number; p99Ms: number }>;
const quickProfile: TargetProfile = { ...legacyProfile, name: 'quick', routes: quickRoutes, vendor: { medianMs: 1, p99Ms: 1 } };

const openTargets: RunningTarget[] = [];
after(async () => {
  await Promise.all(openTargets.map((target) => target.close()));
});

async function start(faults: FaultOptions): Promise<RunningTarget> {
  const target = await startTarget({ profile: quickProfile, faults });
  openTargets.push(target);
  return target;
}

test('reset fault breaks the response', async () => {
  const target = await start({ reset: 1 });
  await assert.rejects(fetch(`${target.url}/api/app/config`, { signal: AbortSignal.timeout(5000) }));
  const stats = target.stats();
  assert.equal(stats.faultsTotal.reset, 1);
  assert.equal(stats.requestsTotal['app-config'], undefined);
});

test('garbage fault breaks the response', async () => {
  const target = await start({ garbage: 1 });
  await assert.rejects(fetch(`${target.url}/api/app/config`, { signal: AbortSignal.timeout(5000) }));
  assert.equal(target.stats().faultsTotal.garbage, 1);
});

test('slow body arrives complete but late', async () => {
  const target = await start({ 'slow-body': 1, slowBodyByteIntervalMs: 2 });
  const startedAtMs = performance.now();
  const response = await fetch(`${target.url}/api/app/config`, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  const elapsedMs = performance.now() - startedAtMs;

  assert.equal(response.status, 200);
  assert.equal((JSON.parse(body) as { minimumAppVersion: string }).minimumAppVersion, '5.2.0');
  assert.ok(elapsedMs >= body.length * 2 * 0.9, `${body.length} bytes took only ${elapsedMs} ms`);
  assert.equal(target.stats().faultsTotal['slow-body'], 1);
  assert.equal(target.stats().requestsTotal['app-config']?.[200], 1);
});

test('fault shares apply to a fraction', async () => {
  const target = await start({ reset: 0.5 });
  let failures = 0;
  for (let index = 0; index < 60; index += 1) {
    const outcome = await fetch(`${target.url}/static/a.css`, { signal: AbortSignal.timeout(5000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return 'ok';
      },
      () => 'failed',
    );
    if (outcome === 'failed') {
      failures += 1;
    }
  }
  const stats = target.stats();
  assert.equal(stats.faultsTotal.reset, failures);
  assert.equal(stats.requestsTotal.static?.[200], 60 - failures);
  assert.ok(failures >= 10 && failures <= 50, `${failures} of 60 reset at share 0.5`);
});

test('health and proxy responses get no fault', async () => {
  const target = await start({ reset: 1 });
  const health = await fetch(`${target.url}/health`);
  assert.equal(await health.text(), 'ok');
  const missing = await fetch(`${target.url}/nope`);
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
});

test('fault list parses names and shares', () => {
  assert.deepEqual(parseFaultList('reset=0.01, slow-body=0.2,garbage=0,slow-body-interval-ms=20'), {
    faults: { reset: 0.01, 'slow-body': 0.2, garbage: 0, slowBodyByteIntervalMs: 20 },
    problems: [],
  });
  const parsed = parseFaultList('reset,timeout=0.1');
  assert.equal(parsed.problems.length, 2);
  assert.match(parsed.problems[0], /"reset" must look like name=number/);
  assert.match(parsed.problems[1], /unknown fault "timeout"/);
});

test('fault shares must sum to at most 1', async () => {
  assert.deepEqual(checkFaultOptions({ reset: 0.5, garbage: 0.5 }, '--faults'), []);
  const problems = checkFaultOptions({ reset: 0.7, garbage: 0.6, slowBodyByteIntervalMs: 0 }, '--faults');
  assert.equal(problems.length, 2);
  assert.match(problems[0], /sum to 1\.3/);
  assert.match(problems[1], /slow-body-interval-ms/);
  await assert.rejects(startTarget({ faults: { reset: 2 } }), (error: unknown) => isHerdUserError(error) && /faults reset must be a share/.test(error.message));
});
