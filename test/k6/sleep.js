// sleep() is rejected: exit status 107 and a message naming setTimeout.
import { sleep } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  sleep(1);
}
