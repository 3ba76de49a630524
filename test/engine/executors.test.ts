// Executors, outputs and run control on small inline scripts against a loopback server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCaptured, startTestServer, writeScript } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function summaryOf(stdout: string, metric: string): string {
  return stdout.split('\n').find((line) => line.includes(` ${metric}.`)) ?? '';
}

function countIn(stdout: string, metric: string): number {
  const match = /: (\d+) /.exec(summaryOf(stdout, metric));
  return match === null ? -1 : Number(match[1]);
}

test('constant-vus loops for its duration', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { scenarios: { loop: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '2s' } } };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x?delay=100'); }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });
  const iterations = countIn(result.stdout, 'iterations');

  assert.equal(result.exitCode, 0);
  assert.ok(iterations >= 4, `${iterations} iterations`);
  assert.ok(iterations <= 22, `${iterations} iterations`);
  assert.ok(Date.now() - startedAtMs < 3500);
});

test('synchronous iterations take turns', async () => {
  // Iterations without await end inside their start, and each VU must still let the others run.
  const script = writeScript(`
    import exec from 'k6/execution';
    const iterationsByVu = {};
    export const options = { scenarios: { sync: { executor: 'shared-iterations', vus: 3, iterations: 300 } } };
    export default function () {
      iterationsByVu[exec.vu.idInTest] = (iterationsByVu[exec.vu.idInTest] ?? 0) + 1;
    }
    export function teardown() {
      console.log('busiest VU ran ' + Math.max(...Object.values(iterationsByVu)) + ' of ' + Object.keys(iterationsByVu).length + ' VUs');
    }
  `);

  const result = await runCaptured({ scriptPath: script });

  assert.equal(result.exitCode, 0);
  assert.equal(countIn(result.stdout, 'iterations'), 300);
  assert.match(result.stdout + result.stderr, /busiest VU ran 100 of 3 VUs/);
});

test('ramping-vus reaches its peak', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ target: 3, duration: '600ms' }, { target: 0, duration: '400ms' }] } } };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x?delay=50'); }
  `);

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  assert.ok(countIn(result.stdout, 'iterations') > 3);
  assert.match(summaryOf(result.stdout, 'vus_max'), /: 3 /);
});

test('startTime delays a scenario', async () => {
  const script = writeScript(`
    import exec from 'k6/execution';
    import { Trend } from 'k6/metrics';
    const startedAt = new Trend('started_at');
    export const options = { scenarios: {
      first: { executor: 'per-vu-iterations', vus: 1, iterations: 1 },
      later: { executor: 'per-vu-iterations', vus: 1, iterations: 1, startTime: '600ms' },
    } };
    export default function () { startedAt.add(exec.scenario.startTime, { which: exec.scenario.name }); }
  `);
  const jsonFile = path.join(path.dirname(script), 'out.jsonl');

  const result = await runCaptured({ scriptPath: script, outputs: [`json=${jsonFile}`] });
  const points = readFileSync(jsonFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === 'Point' && line.metric === 'started_at');
  const first = points.find((point) => point.data.tags.which === 'first').data.value;
  const later = points.find((point) => point.data.tags.which === 'later').data.value;

  assert.equal(result.exitCode, 0);
  assert.ok(later - first >= 550, `later started ${later - first} ms after first`);
});

test('json output declares metrics first', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { vus: 1, iterations: 2, thresholds: { 'http_req_duration{name:x}': ['p(95)<5000'] } };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x', null, { tags: { name: 'x' } }); }
  `);
  const jsonFile = path.join(path.dirname(script), 'out.jsonl');

  await runCaptured({ scriptPath: script, env: { TARGET: server.url }, outputs: [`json=${jsonFile}`] });
  const lines = readFileSync(jsonFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const declaration = lines.findIndex((line) => line.type === 'Metric' && line.metric === 'http_req_duration');
  const point = lines.findIndex((line) => line.type === 'Point' && line.metric === 'http_req_duration');
  const duration = lines[declaration].data;

  assert.ok(declaration >= 0, 'no Metric line for http_req_duration');
  assert.ok(declaration < point, 'the Metric line follows a Point');
  assert.equal(duration.type, 'trend');
  assert.equal(duration.contains, 'time');
  assert.deepEqual(duration.submetrics.map((submetric: { name: string }) => submetric.name).sort(), ['http_req_duration{expected_response:true}', 'http_req_duration{name:x}']);
  assert.match(lines[point].data.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.deepEqual(Object.keys(lines[point].data.tags), [...Object.keys(lines[point].data.tags)].sort());
  assert.equal(lines[point].data.tags.name, 'x');
});

test('request timeout gives code 1050', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    import { check } from 'k6';
    export const options = { vus: 1, iterations: 1 };
    export default async function () {
      const response = await http.asyncRequest('GET', __ENV.TARGET + '/slow?delay=2000', null, { timeout: '200ms' });
      check(response, { 'code 1050': (r) => r.error_code === 1050, 'status 0': (r) => r.status === 0 });
    }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.match(result.stdout, /✓ code 1050/);
  assert.match(result.stdout, /✓ status 0/);
  assert.ok(Date.now() - startedAtMs < 1800);
});

test('abortOnFail stops the run early', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = {
      scenarios: { steady: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '20s', preAllocatedVUs: 5 } },
      thresholds: { http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true }] },
    };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x?status=500'); }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 99);
  assert.ok(Date.now() - startedAtMs < 8000, 'the run was not aborted');
  assert.match(result.stderr, /abortOnFail/);
});

test('exec.test.abort ends with 108', async () => {
  const script = writeScript(`
    import exec from 'k6/execution';
    export const options = { vus: 1, iterations: 50 };
    export default function () { if (__ITER === 2) exec.test.abort('enough'); }
  `);

  const result = await runCaptured({ scriptPath: script });

  assert.equal(result.exitCode, 108);
  assert.match(result.stderr, /test aborted: enough/);
  assert.ok(countIn(result.stdout, 'iterations') <= 3);
});

test('noVUConnectionReuse opens a connection per iteration', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { vus: 1, iterations: 4, noVUConnectionReuse: true };
    export default async function () {
      await http.asyncRequest('GET', __ENV.TARGET + '/a');
      await http.asyncRequest('GET', __ENV.TARGET + '/b');
    }
  `);
  const before = server.connectionCount();

  await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  // Each iteration opens one or two connections: undici 7 opens a second one for a pool's second request.
  const opened = server.connectionCount() - before;
  assert.ok(opened >= 4, `${opened} connections`);
  assert.ok(opened <= 8, `${opened} connections`);
});

test('VU keeps its connection by default', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { vus: 1, iterations: 8 };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/a'); }
  `);
  const before = server.connectionCount();

  await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.ok(server.connectionCount() - before <= 2, `${server.connectionCount() - before} connections for 8 iterations`);
});

test('non-loopback host is never contacted', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    import { check } from 'k6';
    export const options = { vus: 1, iterations: 1 };
    export default async function () {
      const response = await http.asyncRequest('GET', 'http://example.invalid/');
      check(response, { 'blocked with 1111': (r) => r.error_code === 1111 && r.status === 0 });
    }
  `);

  const result = await runCaptured({ scriptPath: script, env: { HERD_ALLOW_HOSTS: '' } });

  assert.match(result.stdout, /✓ blocked with 1111/);
  assert.match(result.stderr, /not loopback and not listed in HERD_ALLOW_HOSTS/);
});

test('ramp-down interrupts after gracefulRampDown', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { scenarios: { ramp: {
      executor: 'ramping-vus', startVUs: 2, gracefulRampDown: '200ms',
      stages: [{ target: 2, duration: '300ms' }, { target: 0, duration: '100ms' }, { target: 0, duration: '1500ms' }],
    } } };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x?delay=1200'); }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  assert.equal(countIn(result.stdout, 'iterations'), -1, 'an iteration completed although both VUs were ramped down');
  assert.ok(Date.now() - startedAtMs < 4000);
});

test('failed sample file does not end the run', { skip: existsSync('/dev/full') ? false : '/dev/full exists on Linux only' }, async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { vus: 1, iterations: 3 };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/a'); }
  `);

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url }, outputs: ['csv=/dev/full', 'json=/dev/full'] });

  assert.equal(result.exitCode, 0);
  assert.match(result.stderr, /writing samples to \/dev\/full failed.*ENOSPC/);
  assert.equal(countIn(result.stdout, 'http_reqs'), 3);
});
