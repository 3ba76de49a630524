// Warms the HTTP path before the first scheduled iteration, so that the first arrivals do not pay for it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendOnWire, toRequestTarget, VuConnectionPool } from './client.ts';

const WARM_UP_REQUESTS = 50;
const WARM_UP_TIMEOUT_MS = 2_000;

/**
 * Sends a few requests through the engine's own HTTP client to a server that this function starts on
 * 127.0.0.1 and stops again, so no other host is contacted.
 *
 * The first request of a process compiles undici's HTTP parser (WebAssembly), and the JIT has not seen
 * the request path yet. That took about 55 ms on a 2-core VM, long enough for an arrival-rate scenario
 * at 1,000/s to fall behind and open dozens of extra connections. Resolves with the error instead of
 * throwing, because a failed warm-up only costs speed.
 */
export async function warmUpHttp(): Promise<Error | undefined> {
  const server = createServer((request, response) => {
    request.resume();
    response.end('ok');
  });
  const pool = new VuConnectionPool();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const target = toRequestTarget(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/warm-up`));
    for (let i = 0; i < WARM_UP_REQUESTS; i++) {
      const response = await sendOnWire(pool, { method: 'GET', target, headers: {}, body: undefined, timeoutMs: WARM_UP_TIMEOUT_MS, closeConnection: false }, undefined);
      if (response.failure !== undefined) return new Error(`warm-up request failed: ${response.failure.message}`);
    }
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await pool.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
