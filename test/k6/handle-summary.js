// handleSummary writes to stdout and to the file named by __ENV.SUMMARY_FILE.
import http from 'k6/http';
import { check } from 'k6';
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';

export const options = { vus: 1, iterations: 3 };

export function setup() {
  return { token: 'from-setup' };
}

export default async function (data) {
  const response = await http.asyncRequest('GET', `${__ENV.TARGET}/ok`);
  check(response, { 'status 200': (r) => r.status === 200, 'setup data arrives': () => data.token === 'from-setup' });
}

export function handleSummary(data) {
  return {
    stdout: `custom summary\n${textSummary(data, { indent: ' ', enableColors: false })}\n`,
    [__ENV.SUMMARY_FILE]: JSON.stringify(data),
  };
}
