// A blocking call the load-time scan cannot see (looked up by name) is rejected when it runs: exit status 107.
import http from 'k6/http';

export const options = { vus: 1, iterations: 5 };
const method = ['po', 'st'].join('');

export default function () {
  http[method](`${__ENV.TARGET}/ok`);
}
