// Plays bundles through the built-in engine against a scripted loopback server: the concurrency
// limit, giving up after an essential failure, and the token refresh on 401.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { buildScenarios } from '../../build/index.ts';
import { runScript } from '../../engine/run-script.ts';
import type { BundleFile } from '../../lib/event/types.ts';

const bundleModule = fileURLToPath(new URL('../../lib/bundle/index.ts', import.meta.url));

/** What the server saw, reset before each case. */
const seen = { paths: [] as string[], inFlight: 0, maxInFlight: 0, reports: [] as Array<Record<string, unknown>>, refreshes: 0 };
let baseUrl = '';
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on('end', () => {
    const path = request.url ?? '';
    if (path === '/report') {
      seen.reports.push(JSON.parse(body) as Record<string, unknown>);
      response.end();
      return;
    }
    seen.paths.push(path);
    if (path === '/auth/refresh') {
      seen.refreshes += 1;
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ accessToken: `token-${seen.refreshes}`, expiresInSeconds: 60 }));
      return;
    }
    if (path === '/fail') {
      response.statusCode = 500;
      response.end();
      return;
    }
    if (path === '/expiring') {
      // The first token issued has expired; a refreshed one works.
      response.statusCode = request.headers.authorization === 'Bearer token-1' ? 401 : 200;
      response.end();
      return;
    }
    seen.inFlight += 1;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    setTimeout(() => {
      seen.inFlight -= 1;
      response.end('{}');
    }, 50);
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
});

/** Builds a one-iteration script that plays `bundle` and posts the result to /report, runs it, and returns the result. */
async function play(bundle: BundleFile): Promise<Record<string, unknown>> {
  Object.assign(seen, { paths: [], inFlight: 0, maxInFlight: 0, reports: [], refreshes: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'herd-play-'));
  writeFileSync(join(dir, 'play.ts'), [
    "import http from 'k6/http';",
    `import { playBundle } from ${JSON.stringify(bundleModule)};`,
    `const bundle = ${JSON.stringify(bundle)};`,
    "export const options = { scenarios: { once: { executor: 'constant-arrival-rate', rate: 1, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, exec: 'playOnce' } } };",
    'export async function playOnce() {',
    "  const result = await playBundle(bundle, { baseUrl: __ENV.BASE, platform: 'test', variables: { refreshToken: 'refresh-1' } });",
    "  await http.asyncRequest('POST', `${__ENV.BASE}/report`, JSON.stringify(result));",
    '}',
  ].join('\n'));
  await buildScenarios({ entries: [join(dir, 'play.ts')], outDir: dir });
  const run = await runScript({ scriptPath: join(dir, 'play.js'), env: { BASE: baseUrl }, quiet: true, noSummary: true, writeStdout: () => {}, writeStderr: () => {} });
  assert.equal(run.exitCode, 0);
  assert.equal(seen.reports.length, 1, 'one user played');
  return seen.reports[0];
}

const get = (name: string, path: string, essential = true) => ({ request: { name, method: 'GET' as const, path, essential } });

test('parallel group respects maxConcurrency', async () => {
  const result = await play({ name: 'b', steps: [{ parallel: { maxConcurrency: 2, steps: [1, 2, 3, 4, 5].map((index) => get('slow', `/slow/${index}`)) } }] });
  assert.equal(seen.maxInFlight, 2);
  assert.equal(seen.paths.length, 5);
  assert.equal(result.admitted, true);
  assert.equal(result.requestsSent, 5);
});

test('essential failure ends the bundle', async () => {
  const result = await play({
    name: 'b',
    steps: [{ parallel: { maxConcurrency: 1, steps: [get('first', '/slow/1'), get('broken', '/fail'), get('third', '/slow/3')] } }, get('later', '/slow/4')],
  });
  assert.deepEqual(seen.paths, ['/slow/1', '/fail']);
  assert.equal(result.admitted, false);
  assert.equal(result.failedRequestName, 'broken');
});

test('deferrable failure lets the user go on', async () => {
  const result = await play({ name: 'b', steps: [get('optional', '/fail', false), get('later', '/slow/2')] });
  assert.deepEqual(seen.paths, ['/fail', '/slow/2']);
  assert.equal(result.admitted, true);
});

test('401 refreshes the token once', async () => {
  const refresh = { request: { name: 'refresh', method: 'POST' as const, path: '/auth/refresh', body: { refreshToken: '{{refreshToken}}' }, capture: { token: 'json:accessToken' } } };
  const result = await play({ name: 'b', steps: [refresh, { request: { name: 'expiring', method: 'GET', path: '/expiring', withToken: true } }] });
  assert.deepEqual(seen.paths, ['/auth/refresh', '/expiring', '/auth/refresh', '/expiring']);
  assert.equal(result.admitted, true);
  assert.equal(result.requestsSent, 4);
});
