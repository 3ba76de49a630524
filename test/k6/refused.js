// Requests to a closed port become samples with status 0 and error_code 1212; the run goes on.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 3 };

export default async function () {
  const response = await http.asyncRequest('GET', `${__ENV.CLOSED}/nothing`);
  check(response, { 'status 0': (r) => r.status === 0, 'code 1212': (r) => r.error_code === 1212, 'error text': (r) => r.error.includes('connection refused') });
}
