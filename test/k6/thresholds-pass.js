// 20 arrivals/s for 1s with checks, a group and custom metrics; every threshold holds, so exit status 0.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

const admitted = new Rate('herd_admitted');
const timeToAdmit = new Trend('herd_time_to_admit', true);
const refused = new Counter('herd_refused');

export const options = {
  scenarios: {
    web: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1s', preAllocatedVUs: 20, maxVUs: 20, tags: { platform: 'web' } },
  },
  thresholds: {
    'http_req_duration{name:auth-refresh}': ['p(95)<1000'],
    http_req_failed: ['rate<0.6'],
    herd_admitted: ['rate>0.9'],
    checks: ['rate==1'],
    iterations: ['count>=10'],
  },
};

export default async function () {
  const startedAtMs = Date.now();
  const page = await group('enter event', () => http.asyncRequest('GET', `${__ENV.TARGET}/live?delay=5`, null, { tags: { name: 'render' } }));
  const auth = await http.asyncRequest('POST', `${__ENV.TARGET}/auth?delay=2`, JSON.stringify({ user: __VU }), {
    headers: { 'content-type': 'application/json' },
    tags: { name: 'auth-refresh' },
  });
  const vendor = await http.asyncRequest('POST', `${__ENV.TARGET}/vendor?status=503`, null, { tags: { name: 'vendor' } });
  if (vendor.status === 503) refused.add(1);
  const ok = check(page, { 'page 200': (r) => r.status === 200 }) && check(auth, { 'token present': (r) => r.json('ok') === true });
  timeToAdmit.add(Date.now() - startedAtMs);
  admitted.add(ok);
}
