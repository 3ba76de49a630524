// The synchronous http.get is rejected: the run stops with exit status 107 and a message naming asyncRequest.
import http from 'k6/http';

export const options = { vus: 1, iterations: 5 };

export default function () {
  http.get(`${__ENV.TARGET}/ok`);
}
