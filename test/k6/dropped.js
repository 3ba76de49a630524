// A ramping-arrival-rate scenario with too few VUs for 300 ms responses: 260 arrivals planned.
import http from 'k6/http';

export const options = {
  scenarios: {
    herd: {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      preAllocatedVUs: 5,
      maxVUs: 10,
      stages: [
        { target: 100, duration: '2s' },
        { target: 100, duration: '1s' },
        { target: 0, duration: '1s' },
      ],
    },
  },
  thresholds: { dropped_iterations: ['count==0'], http_req_duration: [{ threshold: 'p(99)<100', abortOnFail: false }] },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/slow?delay=300`);
}
