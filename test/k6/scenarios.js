// Two closed-model scenarios with exec, env and tags run in parallel: 3 VUs × 4 iterations and 10 shared iterations.
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const seen = new Counter('platform_seen');

export const options = {
  scenarios: {
    web: { executor: 'per-vu-iterations', vus: 3, iterations: 4, exec: 'playUser', env: { HERD_PLATFORM: 'web' }, tags: { platform: 'web' } },
    mobile: { executor: 'shared-iterations', vus: 2, iterations: 10, exec: 'playUser', env: { HERD_PLATFORM: 'mobile' }, tags: { platform: 'mobile' } },
  },
};

export async function playUser() {
  await http.asyncRequest('GET', `${__ENV.TARGET}/play?delay=2`, null, { tags: { name: 'play' } });
  seen.add(1, { env_platform: __ENV.HERD_PLATFORM });
}
