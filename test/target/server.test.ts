import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isHerdUserError } from '../../lib/user-error.ts';
import { legacyProfile, routeKeys, startTarget, type RouteKey, type RunningTarget, type TargetProfile } from '../../target/index.ts';

/** A profile whose every route holds a worker for exactly `serviceMs`, so timings are predictable. */
function fixedProfile(serviceMs: number, vendorMs = serviceMs): TargetProfile {
  const routes = Object.fromEntries(routeKeys.map((route) => [route, { medianMs: serviceMs, p99Ms: serviceMs }])) as Record<RouteKey, { medianMs: number; p99Ms: number }>;
  return { ...legacyProfile, name: `fixed-${serviceMs}ms`, routes, vendor: { medianMs: vendorMs, p99Ms: vendorMs } };
}

const openTargets: RunningTarget[] = [];
after(async () => {
  await Promise.all(openTargets.map((target) => target.close()));
});

async function start(options: Parameters<typeof startTarget>[0]): Promise<RunningTarget> {
  const target = await startTarget(options);
  openTargets.push(target);
  return target;
}

interface TimedResponse {
  status: number;
  body: string;
  headers: Headers;
  elapsedMs: number;
}

async function send(target: RunningTarget, method: string, path: string, init: { token?: string; json?: unknown } = {}): Promise<TimedResponse> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) {
    headers.authorization = `Bearer ${init.token}`;
  }
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const startedAtMs = performance.now();
  const response = await fetch(`${target.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text, headers: response.headers, elapsedMs: performance.now() - startedAtMs };
}

async function issueToken(target: RunningTarget): Promise<string> {
  const response = await send(target, 'POST', '/auth/refresh', { json: { refreshToken: 'refresh-test' } });
  assert.equal(response.status, 200);
  return (JSON.parse(response.body) as { accessToken: string }).accessToken;
}

test('queue timeout sends 503 and counts it', async () => {
  const target = await start({ profile: fixedProfile(400), workersPerServer: 1, queueTimeoutMs: 100 });
  const responses = await Promise.all([send(target, 'GET', '/events/e1'), sleep(20).then(() => send(target, 'GET', '/events/e2')), sleep(40).then(() => send(target, 'GET', '/static/a.css'))]);

  assert.deepEqual(responses.map((response) => response.status), [200, 503, 503]);
  for (const rejected of responses.slice(1)) {
    assert.ok(rejected.elapsedMs >= 90, `503 after ${rejected.elapsedMs} ms, before the 100 ms timeout`);
    assert.ok(rejected.elapsedMs < 380, `503 after ${rejected.elapsedMs} ms, too late for a 100 ms timeout`);
    assert.match(rejected.body, /proxy queue/);
  }
  const stats = target.stats();
  assert.equal(stats.queueTimeoutsTotal, 2);
  assert.equal(stats.serverErrorsTotal, 0);
  assert.equal(stats.requestsTotal['event-page']?.[200], 1);
  assert.equal(stats.requestsTotal['event-page']?.[503], 1);
  assert.equal(stats.requestsTotal.static?.[503], 1);
});

test('worker count caps concurrency', async () => {
  const target = await start({ profile: fixedProfile(150), workersPerServer: 2, queueTimeoutMs: 5000 });
  const startedAtMs = performance.now();
  const pending = Array.from({ length: 6 }, (_, index) => send(target, 'GET', `/events/e${index}`));
  let maxBusy = 0;
  let maxDepth = 0;
  let settled = false;
  const allDone = Promise.all(pending).finally(() => {
    settled = true;
  });
  while (!settled) {
    const stats = target.stats();
    maxBusy = Math.max(maxBusy, stats.workersBusy);
    maxDepth = Math.max(maxDepth, stats.queueDepth);
    await sleep(10);
  }
  const responses = await allDone;
  const elapsedMs = performance.now() - startedAtMs;

  assert.ok(responses.every((response) => response.status === 200));
  assert.equal(maxBusy, 2);
  assert.ok(maxDepth >= 3, `queue depth peaked at ${maxDepth}`);
  // Six requests on two workers take three rounds of 150 ms.
  assert.ok(elapsedMs >= 440, `six requests finished in ${elapsedMs} ms`);
  assert.equal(target.stats().workersTotal, 2);
  const serviceTime = target.stats().serviceTime['event-page'];
  assert.equal(serviceTime?.count, 6);
  assert.equal(serviceTime?.sumMs, 900);
  const timerLag = target.stats().timerLag;
  assert.equal(timerLag.count, 6);
  assert.ok(timerLag.maxMs >= 0);
});

test('servers multiply the workers', async () => {
  const target = await start({ servers: 3, workersPerServer: 4 });
  assert.equal(target.stats().workersTotal, 12);
  assert.equal(target.servers, 3);
});

test('queued requests are served in arrival order', async () => {
  // Holds of 150 ms keep the responses far apart, so a client that reads two sockets in one tick cannot reorder them.
  const target = await start({ profile: fixedProfile(150), workersPerServer: 1 });
  const finishOrder: number[] = [];
  const pending: Promise<void>[] = [];
  for (let index = 0; index < 5; index += 1) {
    pending.push(send(target, 'GET', `/events/e${index}`).then(() => {
      finishOrder.push(index);
    }));
    // Spacing makes the arrival order at the server equal the send order.
    await sleep(30);
  }
  await Promise.all(pending);
  assert.deepEqual(finishOrder, [0, 1, 2, 3, 4]);
});

test('routes return their documented shapes', async () => {
  const target = await start({ profile: fixedProfile(1) });
  const token = await issueToken(target);

  const health = await send(target, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.equal(health.body, 'ok');

  const page = await send(target, 'GET', '/events/launch%3Cb%3E');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(page.body, /launch&lt;b&gt;/);
  assert.doesNotMatch(page.body, /launch<b>/);

  const config = await send(target, 'GET', '/api/app/config');
  assert.equal(config.status, 200);
  assert.equal(typeof JSON.parse(config.body), 'object');
  const flags = await send(target, 'GET', '/api/app/feature-flags');
  assert.equal(flags.status, 200);

  const vendor = await send(target, 'POST', '/vendor/register', { token, json: { eventId: 'launch-42' } });
  assert.equal(vendor.status, 200);
  const registration = JSON.parse(vendor.body) as { vendorSessionId: string; playbackUrl: string };
  assert.ok(registration.vendorSessionId.length > 0);
  assert.ok(registration.playbackUrl.startsWith(`${target.url}/static/`), registration.playbackUrl);
  const playback = await send(target, 'GET', new URL(registration.playbackUrl).pathname);
  assert.equal(playback.status, 200);

  const asset = await send(target, 'GET', '/static/img/logo.png');
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('content-type'), 'image/png');
  assert.ok(Number(asset.headers.get('content-length')) > 0);

  for (const [method, path] of [['GET', '/nope'], ['GET', '/events/'], ['DELETE', '/api/me'], ['GET', '/auth/refresh']]) {
    const missing = await send(target, method, path);
    assert.equal(missing.status, 404, `${method} ${path}`);
  }
  assert.equal(target.stats().requestsTotal['not-found']?.[404], 4);
});

test('bad request bodies get 400', async () => {
  const target = await start({ profile: fixedProfile(1) });
  const token = await issueToken(target);
  const cases: [string, unknown][] = [
    ['/auth/refresh', {}],
    ['/auth/refresh', { refreshToken: '' }],
    ['/auth/refresh', { refreshToken: 12 }],
    ['/auth/refresh', ['refreshToken']],
    ['/vendor/register', {}],
    ['/vendor/register', { eventId: '' }],
  ];
  for (const [path, json] of cases) {
    const response = await send(target, 'POST', path, { token, json });
    assert.equal(response.status, 400, `${path} ${JSON.stringify(json)}`);
    assert.equal((JSON.parse(response.body) as { error: string }).error, 'invalid_request');
  }
  const notJson = await fetch(`${target.url}/auth/refresh`, { method: 'POST', body: '{refreshToken:' });
  assert.equal(notJson.status, 400);
});

test('oversized body gets 413', async () => {
  const target = await start({ profile: fixedProfile(1) });
  const response = await fetch(`${target.url}/auth/refresh`, { method: 'POST', body: 'x'.repeat(100 * 1024) });
  assert.equal(response.status, 413);
  assert.equal(target.stats().requestsTotal['auth-refresh']?.[413], 1);
});

test('api routes require a valid token', async () => {
  const target = await start({ profile: fixedProfile(1) });
  const token = await issueToken(target);

  const missing = await send(target, 'GET', '/api/me');
  assert.equal(missing.status, 401);
  assert.equal((JSON.parse(missing.body) as { error: string }).error, 'missing_token');
  assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);

  const garbled = await send(target, 'GET', '/api/me', { token: 'not-a-token' });
  assert.equal(garbled.status, 401);
  assert.equal((JSON.parse(garbled.body) as { error: string }).error, 'invalid_token');

  const vendorWithoutToken = await send(target, 'POST', '/vendor/register', { json: { eventId: 'e1' } });
  assert.equal(vendorWithoutToken.status, 401);

  const allowed = await send(target, 'POST', '/api/events/e1/join', { token });
  assert.equal(allowed.status, 200);
  assert.equal(target.stats().requestsTotal.api?.[401], 2);
});

test('token from another target is rejected', async () => {
  const first = await start({ profile: fixedProfile(1) });
  const second = await start({ profile: fixedProfile(1) });
  const token = await issueToken(first);
  const response = await send(second, 'GET', '/api/me', { token });
  assert.equal(response.status, 401);
});

test('expired token gets 401 until refreshed', async () => {
  const target = await start({ profile: fixedProfile(1), tokenLifetimeSeconds: 0.3 });
  const refresh = await send(target, 'POST', '/auth/refresh', { json: { refreshToken: 'refresh-test' } });
  const issued = JSON.parse(refresh.body) as { accessToken: string; expiresInSeconds: number };
  assert.equal(issued.expiresInSeconds, 0.3);

  assert.equal((await send(target, 'GET', '/api/me', { token: issued.accessToken })).status, 200);
  await sleep(400);
  const expired = await send(target, 'GET', '/api/me', { token: issued.accessToken });
  assert.equal(expired.status, 401);
  assert.match(expired.body, /expired/);

  const renewed = await issueToken(target);
  assert.equal((await send(target, 'GET', '/api/me', { token: renewed })).status, 200);
});

interface MetricFamily {
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Parses the Prometheus text format strictly enough to catch missing TYPE lines and malformed samples. */
function parsePrometheus(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  let current: MetricFamily | undefined;
  let currentName = '';
  for (const line of text.trimEnd().split('\n')) {
    const help = /^# HELP (\w+) (.+)$/.exec(line);
    const type = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help !== null) {
      currentName = help[1];
      current = { type: '', help: help[2], samples: [] };
      families.set(currentName, current);
      continue;
    }
    if (type !== null) {
      assert.equal(type[1], currentName, `TYPE line for ${type[1]} follows HELP for ${currentName}`);
      assert.ok(current !== undefined);
      current.type = type[2];
      continue;
    }
    const sample = /^(\w+)(?:\{(.*)\})? (-?[0-9.e+]+|NaN|\+Inf)$/.exec(line);
    assert.ok(sample !== null, `malformed sample line: ${line}`);
    assert.ok(current !== undefined && current.type !== '', `sample before TYPE: ${line}`);
    assert.ok(sample[1].startsWith(currentName), `sample ${sample[1]} under family ${currentName}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').split(',').filter((part) => part !== '')) {
      const labelMatch = /^(\w+)="(.*)"$/.exec(pair);
      assert.ok(labelMatch !== null, `malformed label ${pair}`);
      labels[labelMatch[1]] = labelMatch[2];
    }
    current.samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return families;
}

test('metrics reflect the counters', async () => {
  const target = await start({ profile: fixedProfile(200), workersPerServer: 1, queueTimeoutMs: 50 });
  await Promise.all([send(target, 'GET', '/events/e1'), sleep(10).then(() => send(target, 'GET', '/events/e2'))]);
  await send(target, 'GET', '/api/me');
  await send(target, 'GET', '/nope');

  const response = await send(target, 'GET', '/metrics');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheus(response.body);

  const expectedTypes: Record<string, string> = {
    herd_target_queue_depth: 'gauge',
    herd_target_workers_busy: 'gauge',
    herd_target_workers_total: 'gauge',
    herd_target_requests_total: 'counter',
    herd_target_queue_timeouts_total: 'counter',
    herd_target_server_errors_total: 'counter',
  };
  for (const [name, type] of Object.entries(expectedTypes)) {
    assert.equal(families.get(name)?.type, type, name);
  }
  const allSamples = [...families.values()].flatMap((family) => family.samples);
  const valueOf = (name: string, labels: Record<string, string> = {}): number | undefined =>
    allSamples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;

  assert.equal(valueOf('herd_target_workers_total'), 1);
  assert.equal(valueOf('herd_target_queue_depth'), 0);
  assert.equal(valueOf('herd_target_workers_busy'), 0);
  assert.equal(valueOf('herd_target_queue_timeouts_total'), 1);
  assert.equal(valueOf('herd_target_server_errors_total'), 0);
  assert.equal(valueOf('herd_target_requests_total', { route: 'event-page', status: '200' }), 1);
  assert.equal(valueOf('herd_target_requests_total', { route: 'event-page', status: '503' }), 1);
  assert.equal(valueOf('herd_target_requests_total', { route: 'api', status: '401' }), 1);
  assert.equal(valueOf('herd_target_requests_total', { route: 'not-found', status: '404' }), 1);
  assert.equal(valueOf('herd_target_queue_wait_seconds_count'), 2);
  assert.equal(families.get('herd_target_service_seconds')?.type, 'summary');
  assert.equal(valueOf('herd_target_service_seconds_count', { route: 'event-page' }), 1);
  assert.equal(valueOf('herd_target_service_seconds_sum', { route: 'event-page' }), 0.2);
  assert.equal(valueOf('herd_target_timer_lag_seconds_count'), 2);
});

test('metrics show a queue while it builds', async () => {
  const target = await start({ profile: fixedProfile(300), workersPerServer: 1 });
  const pending = [send(target, 'GET', '/events/e1'), send(target, 'GET', '/events/e2'), send(target, 'GET', '/events/e3')];
  await sleep(100);
  const body = (await send(target, 'GET', '/metrics')).body;
  assert.match(body, /^herd_target_workers_busy 1$/m);
  assert.match(body, /^herd_target_queue_depth 2$/m);
  await Promise.all(pending);
});

test('close ends keep-alive connections quickly', async () => {
  const target = await start({ profile: fixedProfile(3000), workersPerServer: 1 });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const get = (path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const request = httpRequest(`${target.url}${path}`, { agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end();
    });

  // One idle keep-alive connection, one request in service and one in the queue.
  assert.equal(await get('/health'), 200);
  const inService = get('/events/e1').catch((error: Error) => error);
  const queued = get('/events/e2').catch((error: Error) => error);
  await sleep(100);
  assert.equal(target.stats().queueDepth, 1);

  const startedAtMs = performance.now();
  await target.close();
  const closeMs = performance.now() - startedAtMs;
  assert.ok(closeMs < 1000, `close took ${closeMs} ms`);
  assert.ok((await inService) instanceof Error);
  assert.ok((await queued) instanceof Error);
  agent.destroy();
});

test('port in use is a user error', async () => {
  const first = await start({});
  await assert.rejects(startTarget({ port: first.port }), (error: unknown) => {
    assert.ok(isHerdUserError(error));
    assert.equal(error.code, 'TARGET_PORT_IN_USE');
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${first.port}`));
    assert.match(error.message, /--port 0/);
    return true;
  });
});

test('non-loopback host is rejected', async () => {
  for (const host of ['0.0.0.0', '192.168.1.10', 'example.com', '::', '127.0.0.256']) {
    await assert.rejects(startTarget({ host }), (error: unknown) => {
      assert.ok(isHerdUserError(error), host);
      assert.match(error.message, /loopback/);
      return true;
    });
  }
});

test('loopback hosts are accepted', async () => {
  const viaName = await start({ host: 'localhost' });
  assert.match(viaName.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const viaIpv6 = await start({ host: '::1' });
  assert.match(viaIpv6.url, /^http:\/\/\[::1\]:\d+$/);
  assert.equal((await send(viaIpv6, 'GET', '/health')).status, 200);
});

test('invalid options are reported together', async () => {
  await assert.rejects(startTarget({ servers: 0, workersPerServer: -2, queueTimeoutMs: 0, profile: 'fast', seed: 1.5 }), (error: unknown) => {
    assert.ok(isHerdUserError(error));
    assert.equal(error.code, 'TARGET_OPTIONS_INVALID');
    assert.match(error.message, /servers must be/);
    assert.match(error.message, /profile must be one of legacy, high-concurrency, got "fast"/);
    assert.match(error.message, /seed must be/);
    return true;
  });
  await assert.rejects(startTarget({ workersPerServer: 0, queueTimeoutMs: -1, tokenLifetimeSeconds: 0 }), (error: unknown) => {
    assert.ok(isHerdUserError(error));
    assert.match(error.message, /workersPerServer must be/);
    assert.match(error.message, /queueTimeoutMs must be/);
    assert.match(error.message, /tokenLifetimeSeconds must be/);
    return true;
  });
});

test('vendor registration holds the worker longer', async () => {
  const target = await start({ profile: fixedProfile(50, 250) });
  const token = await issueToken(target);
  const page = await send(target, 'GET', '/events/e1');
  const registration = await send(target, 'POST', '/vendor/register', { token, json: { eventId: 'e1' } });
  assert.equal(registration.status, 200);
  assert.ok(registration.elapsedMs >= 290, `registration took ${registration.elapsedMs} ms, under 50 + 250 ms`);
  assert.ok(page.elapsedMs < registration.elapsedMs);
});

test('connections above the limit are dropped', async () => {
  const target = await start({ maxConnections: 2 });
  const sockets = [connect(target.port, '127.0.0.1'), connect(target.port, '127.0.0.1'), connect(target.port, '127.0.0.1')];
  const closedByServer = sockets.map((socket) => once(socket, 'close').then(() => true));
  for (const socket of sockets) {
    socket.on('error', () => undefined);
  }
  await Promise.race([closedByServer[2], sleep(3000)]);
  await sleep(50);

  assert.equal(target.stats().connectionsDroppedTotal, 1);
  assert.equal(await closedByServer[2], true);

  for (const socket of sockets) {
    socket.destroy();
  }
  await sleep(50);
  const metrics = await send(target, 'GET', '/metrics');
  assert.match(metrics.body, /^herd_target_connections_dropped_total 1$/m);
});
