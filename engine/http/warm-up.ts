// Warms the request path before the first scheduled iteration, so that the first arrivals do not pay for it.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { ScenarioRunner } from '../executors/scenario-runner.ts';
import { Logger } from '../logger.ts';
import { createHttpModule } from '../modules/http.ts';
import { resolveOptions } from '../options.ts';
import { TestRun } from '../test-run.ts';

// Measured on a 2-core VM: after a warm-up of 50 requests on one connection, a 5,000 arrivals/s
// scenario spent its first second on code that V8 had not optimized yet. Each start then cost about
// five times the CPU of a later one, and starts fell hundreds of milliseconds behind. A second run in
// the same process started on time. These sizes cost a few hundred milliseconds of CPU once per
// process, and the budget caps the delay on a busy machine.
const WARM_UP_VUS = 16;
const WARM_UP_ITERATIONS = 1_000;
const WARM_UP_BUDGET_MS = 300;
const WARM_UP_TIMEOUT_MS = 2_000;

const CANNED_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok';
const END_OF_HEADERS = Buffer.from('\r\n\r\n');

// Writes a canned response for every request head. The warm-up sends only GET requests without a body,
// so each end of a header block is one request. node:http would cost more CPU than the client it warms.
function answerRequests(socket: Socket): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let responses = '';
    let end = pending.indexOf(END_OF_HEADERS);
    while (end >= 0) {
      responses += CANNED_RESPONSE;
      pending = pending.subarray(end + END_OF_HEADERS.length);
      end = pending.indexOf(END_OF_HEADERS);
    }
    if (responses !== '') socket.write(responses);
  });
  // The client closes its connections when the warm-up ends, which can reset a socket mid-write.
  socket.on('error', () => socket.destroy());
}

function startServer(): Promise<Server> {
  const server = createServer(answerRequests);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

interface HttpModule {
  asyncRequest(method: string, url: string): Promise<{ error: string }>;
}

/**
 * Runs iterations of one GET through a private test run, with the engine's own `k6/http` module,
 * scenario runner and metrics, against a server that this function starts on 127.0.0.1 and stops
 * again. No other host is contacted, and the real run's metrics see none of it.
 *
 * The first request of a process compiles undici's HTTP parser (WebAssembly), and V8 optimizes a
 * function only after many calls. Each warm-up VU opens its own connection, so connection setup is
 * warmed too. Resolves with the error instead of throwing, because a failed warm-up only costs speed.
 */
export async function warmUpHttp(): Promise<Error | undefined> {
  let server: Server | undefined;
  try {
    server = await startServer();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/warm-up`;
    const run = new TestRun(new Logger(() => {}));
    run.options = resolveOptions({
      scenarios: { 'warm-up': { executor: 'shared-iterations', vus: WARM_UP_VUS, iterations: WARM_UP_ITERATIONS, maxDuration: `${WARM_UP_TIMEOUT_MS}ms` } },
    });
    const scenario = run.options.scenarios[0];
    if (scenario === undefined) return new Error('the warm-up scenario did not resolve');

    const http = createHttpModule(run) as unknown as HttpModule;
    let failure: string | undefined;
    const iterate = async (): Promise<void> => {
      const response = await http.asyncRequest('GET', url);
      if (response.error !== '') failure ??= response.error;
    };
    const runner = new ScenarioRunner(run, scenario, { default: iterate }, undefined);
    const vus = Array.from({ length: WARM_UP_VUS }, () => runner.newVu());
    const budgetEndMs = performance.now() + WARM_UP_BUDGET_MS;
    let started = 0;
    const loops = vus.map(async (vu) => {
      while (started < WARM_UP_ITERATIONS && failure === undefined && performance.now() < budgetEndMs) {
        started++;
        await runner.startIteration(vu);
      }
    });
    await Promise.all(loops);
    await runner.closeVus(vus);
    return failure === undefined ? undefined : new Error(`warm-up request failed: ${failure}`);
  } catch (error) {
    return error as Error;
  } finally {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  }
}
