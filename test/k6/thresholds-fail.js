// Every response is a 503, so http_req_failed crosses rate<0.1: exit status 99.
import http from 'k6/http';

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: { http_req_failed: ['rate<0.1'], 'http_req_duration{status:503}': ['max<10000'] },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/down?status=503`);
}
