// Sends each bundle's requests once to the reference target on loopback: the routes exist, the
// auth refresh's real response yields the token, and the token opens the bearer routes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isExpectedStatus } from '../../lib/bundle/steps.ts';
import { readCapture, renderDeep, renderTemplate } from '../../lib/bundle/template.ts';
import { loadBundle } from '../../lib/event/index.ts';
import type { RequestSpec } from '../../lib/event/types.ts';
import { startTarget, type RunningTarget } from '../../target/index.ts';

let target: RunningTarget;

before(async () => {
  target = await startTarget({ host: '127.0.0.1', port: 0, profile: 'high-concurrency' });
});

after(async () => {
  await target.close();
});

async function send(request: RequestSpec, variables: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (request.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (request.withToken === true) {
    headers.Authorization = `Bearer ${variables.token}`;
  }
  return fetch(target.url + renderTemplate(request.path, variables), {
    method: request.method,
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(renderDeep(request.body, variables)),
    signal: AbortSignal.timeout(5000),
  });
}

function requestsOf(path: string): RequestSpec[] {
  return loadBundle(path, ['eventId']).steps.flatMap((step) => {
    if ('request' in step) {
      return [step.request];
    }
    return 'parallel' in step ? step.parallel.steps.map((inner) => inner.request) : [];
  });
}

test('auth refresh response yields the token', async () => {
  const refresh = requestsOf('scenarios/bundles/web.yaml').find((request) => request.name === 'auth-refresh');
  assert.ok(refresh?.capture !== undefined);
  const response = await send(refresh, { refreshToken: 'refresh-test-1' });
  assert.equal(response.status, 200);
  const bodyText = await response.text();
  const token = readCapture(refresh.capture.token, { bodyText, headers: Object.fromEntries(response.headers) });
  assert.equal(typeof token, 'string');
  assert.ok((token ?? '').length > 0);
});

for (const bundlePath of ['scenarios/bundles/web.yaml', 'scenarios/bundles/mobile-cold-launch.yaml', 'scenarios/bundles/mobile-cold-launch-trimmed.yaml']) {
  test(`${bundlePath} routes answer as expected`, async () => {
    const variables: Record<string, string> = { eventId: 'evt-1001', refreshToken: 'refresh-test-2', userId: 'u-1', platform: 'test' };
    const failures: string[] = [];
    for (const request of requestsOf(bundlePath)) {
      const response = await send(request, variables);
      const bodyText = await response.text();
      if (!isExpectedStatus(response.status, request.expectStatus)) {
        failures.push(`${request.name} ${request.method} ${request.path}: ${response.status}`);
      }
      for (const [name, source] of Object.entries(request.capture ?? {})) {
        const value = readCapture(source, { bodyText, headers: Object.fromEntries(response.headers) });
        if (value !== undefined) {
          variables[name] = value;
        }
      }
    }
    assert.deepEqual(failures, []);
  });
}

test('bearer route rejects a request without the token', async () => {
  const profile = requestsOf('scenarios/bundles/mobile-cold-launch.yaml').find((request) => request.name === 'profile');
  assert.ok(profile !== undefined);
  const response = await send({ ...profile, withToken: false }, {});
  await response.text();
  assert.equal(response.status, 401);
});
