// The request path without per-request timers and promises: timeouts, redirects and iteration ends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCaptured, startTestServer, writeScript } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function countOf(stdout: string, metric: string): number {
  const line = stdout.split('\n').find((row) => row.includes(` ${metric}.`)) ?? '';
  return Number(/: (\d+)/.exec(line)?.[1] ?? -1);
}

test('timeouts expire each request separately', async () => {
  // Three requests share one timeout: the fast one must not time out, and the two slow ones must,
  // although the first slow one starts before the fast one ends and the second after.
  const script = writeScript(`
    import http from 'k6/http';
    import { check } from 'k6';
    export const options = { vus: 1, iterations: 1 };
    export default async function () {
      const params = { timeout: '300ms' };
      const [slow, fast] = await Promise.all([
        http.asyncRequest('GET', __ENV.TARGET + '/slow?delay=2000', null, params),
        http.asyncRequest('GET', __ENV.TARGET + '/fast?delay=10', null, params),
      ]);
      const later = await http.asyncRequest('GET', __ENV.TARGET + '/later?delay=2000', null, params);
      const after = await http.asyncRequest('GET', __ENV.TARGET + '/after', null, params);
      check(slow, { 'slow timed out': (r) => r.error_code === 1050 });
      check(fast, { 'fast answered': (r) => r.status === 200 && r.error_code === 0 });
      check(later, { 'later timed out': (r) => r.error_code === 1050 });
      check(after, { 'after answered': (r) => r.status === 200 });
    }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.match(result.stdout, /✓ slow timed out/);
  assert.match(result.stdout, /✓ fast answered/);
  assert.match(result.stdout, /✓ later timed out/);
  assert.match(result.stdout, /✓ after answered/);
  assert.ok(Date.now() - startedAtMs < 3000, `took ${Date.now() - startedAtMs} ms`);
});

test('redirect hops are separate samples', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    import { check } from 'k6';
    export const options = { vus: 1, iterations: 2 };
    export default async function () {
      const response = await http.asyncRequest('GET', __ENV.TARGET + '/redirect');
      check(response, {
        'lands on the target': (r) => r.status === 200 && r.url.endsWith('/landing'),
        'keeps the requested URL': (r) => r.request.url.endsWith('/redirect') && r.request.method === 'GET',
      });
    }
  `);

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /✓ lands on the target/);
  assert.match(result.stdout, /✓ keeps the requested URL/);
  assert.equal(countOf(result.stdout, 'http_reqs'), 4);
});

test('invalid timeout rejects the call', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    import { check } from 'k6';
    export const options = { vus: 1, iterations: 1 };
    export default async function () {
      let message = '';
      await http.asyncRequest('GET', __ENV.TARGET + '/x', null, { timeout: 'soon' }).catch((error) => (message = String(error)));
      check(message, { 'rejected with the field': (m) => m.includes('timeout') });
    }
  `);

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.match(result.stdout, /✓ rejected with the field/);
  assert.equal(countOf(result.stdout, 'iterations'), 1);
});

test('synchronous iterations count and free VUs', async () => {
  // A function without await ends inside startIteration, so its VU is free again at once.
  const script = writeScript(`
    let calls = 0;
    export const options = {
      scenarios: { sync: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 1 } },
    };
    export default function () {
      calls++;
      if (calls % 2 === 0) throw new Error('every second call throws');
    }
  `);

  const result = await runCaptured({ scriptPath: script });

  assert.equal(countOf(result.stdout, 'iterations'), 50);
  assert.equal(countOf(result.stdout, 'dropped_iterations'), -1);
  assert.match(result.stderr, /every second call throws/);
});
