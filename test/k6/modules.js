// k6/execution, k6/data, k6/encoding, open(), cookies, redirects and __VU/__ITER inside iterations.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import encoding from 'k6/encoding';

const users = new SharedArray('users', () => JSON.parse(open('./users.json')));

export const options = { scenarios: { one: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };

export default async function () {
  const user = users[exec.vu.idInTest % users.length];
  const redirected = await http.asyncRequest('GET', `${__ENV.TARGET}/redirect`);
  await http.asyncRequest('GET', `${__ENV.TARGET}/cookie`);
  const withCookie = await http.asyncRequest('GET', `${__ENV.TARGET}/echo`);
  check(null, {
    'user loaded': () => typeof user.name === 'string',
    'vu matches': () => __VU === exec.vu.idInTest && __VU >= 1,
    'iter counts': () => __ITER === exec.vu.iterationInScenario,
    'scenario name': () => exec.scenario.name === 'one',
    'base64': () => encoding.b64encode('herd') === 'aGVyZA==' && encoding.b64decode('aGVyZA==', 'std', 's') === 'herd',
    'redirect followed': () => redirected.status === 200 && redirected.url.endsWith('/landing'),
    'cookie sent': () => withCookie.json('cookie') === 'session=abc123',
  });
}
