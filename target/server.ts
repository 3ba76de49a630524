// The reference target's HTTP server. It serves /health and /metrics at once, sends every other
// route through the proxy queue and a worker, and rejects unknown paths with 404 at the proxy.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HerdUserError } from '../lib/user-error.ts';
import { FaultInjector, type FaultOptions } from './faults.ts';
import { createLatencySampler, createRandomSource, type LatencySampler } from './latency.ts';
import { TargetCounters, type RouteLabel, type TargetStats } from './metrics.ts';
import { classifyRoute, routeKeys, type RouteKey, type TargetProfile } from './profiles.ts';
import { jsonError, maxRequestBodyBytes, respondToRoute, type RouteContext, type RouteRequest, type RouteResponse } from './routes.ts';
import { resolveTargetConfig, type StartTargetOptions, type TargetConfig } from './target-config.ts';
import { createTokenAuthority } from './tokens.ts';
import { WorkerPool, type PoolJob } from './worker-pool.ts';

/** A target that is listening. */
export interface RunningTarget {
  /** Origin to send requests to, such as `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The profile in effect, with the option overrides applied. */
  profile: TargetProfile;
  servers: number;
  /** The fault shares in effect; empty when no fault is injected. */
  faults: FaultOptions;
  /** Returns a snapshot of the queue, the workers and the counters. */
  stats(): TargetStats;
  /** Stops listening, ends open connections (keep-alive ones included) and drops queued requests; safe to call twice. */
  close(): Promise<void>;
}

/** Idle time after which the server closes a keep-alive connection; longer than undici's 4 s default, so clients close first. */
const keepAliveTimeoutMs = 30_000;
/** Time a client has to send its request headers. */
const headersTimeoutMs = 20_000;
/** Time a client has to send its whole request; queue and service time are not part of it. */
const requestTimeoutMs = 30_000;
/** Requested listen backlog; the kernel caps it at net.core.somaxconn. */
const listenBacklog = 65_535;

/**
 * Starts the reference target on a loopback address and resolves once it listens.
 * Throws `HerdUserError` for invalid options, a non-loopback host or a port that is taken.
 */
export async function startTarget(options: StartTargetOptions = {}): Promise<RunningTarget> {
  const config = resolveTargetConfig(options);
  const model = new TargetModel(config);
  const server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs }, (request, response) => {
    model.handleRequest(request, response);
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.maxConnections = config.maxConnections;
  server.on('drop', () => model.countDroppedConnection(config.maxConnections));

  const port = await listen(server, config.host, config.port);
  // After listening, a server error is an accept failure such as EMFILE; without a listener it would end the process.
  const loggedErrorCodes = new Set<string>();
  server.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? error.name;
    if (!loggedErrorCodes.has(code)) {
      loggedErrorCodes.add(code);
      console.error(`herd target: accepting a connection failed: ${error.message} (later ${code} errors are not logged)`);
    }
  });
  const url = formatOrigin(config.host, port);
  model.setBaseUrl(url);
  // A second close() returns the first one's promise instead of failing on a stopped server.
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    profile: config.profile,
    servers: config.servers,
    faults: config.faults,
    stats: () => model.snapshot(),
    close: () => {
      closing ??= closeServer(server, model);
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(describeListenError(error, host, port));
    };
    server.once('error', onError);
    server.listen({ host, port, backlog: listenBacklog }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`The target server reported an unexpected address ${String(address)} after listening.`));
        return;
      }
      resolve(address.port);
    });
  });
}

function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const address = `${formatHost(host)}:${port}`;
  if (error.code === 'EADDRINUSE') {
    return new HerdUserError(
      'TARGET_PORT_IN_USE',
      `Cannot listen on ${address} because another process already uses that port. ` +
        'Stop that process (an earlier `herd target` may still run), choose another port with --port, ' +
        'or pass --port 0 to let the system pick a free one.',
    );
  }
  if (error.code === 'EACCES') {
    return new HerdUserError(
      'TARGET_PORT_DENIED',
      `Cannot listen on ${address}: permission denied. Ports below 1024 need privileges; choose a port of 1024 or above, or --port 0.`,
    );
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new HerdUserError('TARGET_ADDRESS_UNAVAILABLE', `Cannot listen on ${address}: no local interface has that address. Use 127.0.0.1 or ::1.`);
  }
  return error;
}

function closeServer(server: Server, model: TargetModel): Promise<void> {
  model.pool.close();
  model.faults.close();
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    // server.close() waits for open connections; keep-alive and queued requests would hold it for seconds.
    server.closeAllConnections();
  });
}

/** The state of one running target: the pool, tokens, samplers and counters behind the HTTP handler. */
class TargetModel {
  readonly pool: WorkerPool;
  readonly counters = new TargetCounters();
  readonly faults: FaultInjector;
  readonly #context: RouteContext;
  readonly #routeSamplers: Record<RouteKey, LatencySampler>;
  readonly #vendorSampler: LatencySampler;
  #loggedErrorMessages = new Set<string>();

  constructor(config: TargetConfig) {
    this.pool = new WorkerPool({ workerCount: config.servers * config.profile.workersPerServer, queueTimeoutMs: config.profile.queueTimeoutMs });
    const tokens = createTokenAuthority(config.profile.tokenLifetimeSeconds);
    this.#context = { tokens, baseUrl: '', nowMs: () => Date.now() };

    // One generator per route, so the draws of one route do not depend on the traffic to the others.
    const samplers: Partial<Record<RouteKey, LatencySampler>> = {};
    routeKeys.forEach((route, index) => {
      samplers[route] = createLatencySampler(config.profile.routes[route], createRandomSource(deriveSeed(config.seed, index)));
    });
    this.#routeSamplers = samplers as Record<RouteKey, LatencySampler>;
    this.#vendorSampler = createLatencySampler(config.profile.vendor, createRandomSource(deriveSeed(config.seed, routeKeys.length)));
    this.faults = new FaultInjector(config.faults, createRandomSource(deriveSeed(config.seed, routeKeys.length + 1)));
  }

  /** Counts a connection that Node closed because `maxConnections` were open, and warns on the first one. */
  countDroppedConnection(maxConnections: number): void {
    this.counters.connectionsDroppedTotal += 1;
    if (this.counters.connectionsDroppedTotal === 1) {
      console.error(
        `herd target: dropped a connection because ${maxConnections} connections are open. Raise --max-connections ` +
          '(the maxConnections option) if the clients need more. Later drops are counted in herd_target_connections_dropped_total, not logged.',
      );
    }
  }

  /** Sets the origin that playback URLs point at; known only once the server listens. */
  setBaseUrl(url: string): void {
    this.#context.baseUrl = url;
  }

  snapshot(): TargetStats {
    const requestsTotal: TargetStats['requestsTotal'] = {};
    for (const [route, byStatus] of Object.entries(this.counters.requestsTotal)) {
      requestsTotal[route as RouteLabel] = { ...byStatus };
    }
    return {
      queueDepth: this.pool.queueDepth,
      workersBusy: this.pool.busyWorkers,
      workersTotal: this.pool.workerCount,
      requestsTotal,
      queueTimeoutsTotal: this.counters.queueTimeoutsTotal,
      serverErrorsTotal: this.counters.serverErrorsTotal,
      queueAbandonsTotal: this.counters.queueAbandonsTotal,
      faultsTotal: { ...this.counters.faultsTotal },
      connectionsDroppedTotal: this.counters.connectionsDroppedTotal,
      timerLag: { ...this.counters.timerLag },
      serviceTime: Object.fromEntries(Object.entries(this.counters.serviceTime).map(([route, totals]) => [route, { ...totals }])),
    };
  }

  handleRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    const queryIndex = url.indexOf('?');
    const pathname = queryIndex === -1 ? url : url.slice(0, queryIndex);

    if (request.method === 'GET' && pathname === '/health') {
      request.resume();
      this.#send(response, 'health', { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok', callsVendor: false });
      return;
    }
    if (request.method === 'GET' && pathname === '/metrics') {
      request.resume();
      const body = this.counters.renderPrometheus({ queueDepth: this.pool.queueDepth, workersBusy: this.pool.busyWorkers, workersTotal: this.pool.workerCount });
      this.#send(response, 'metrics', { status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body, callsVendor: false });
      return;
    }

    const route = classifyRoute(request.method ?? 'GET', url);
    if (route === undefined) {
      request.resume();
      this.#send(response, 'not-found', jsonError(404, 'not_found', `No route serves ${request.method} ${pathname}.`));
      return;
    }

    // Without a body, nothing needs reading: Node discards an unread request when the response ends.
    if (!hasBody(request)) {
      this.#enqueue(route, pathname, request, response, emptyBody);
      return;
    }
    readBody(request, (body) => {
      if (body === undefined) {
        response.shouldKeepAlive = false;
        this.#send(response, route, jsonError(413, 'payload_too_large', `The request body exceeds ${maxRequestBodyBytes} bytes.`));
        return;
      }
      this.#enqueue(route, pathname, request, response, body);
    });
  }

  #enqueue(route: RouteKey, pathname: string, request: IncomingMessage, response: ServerResponse, body: Buffer): void {
    // A body can finish arriving while the target closes; its connection is going away anyway.
    if (this.pool.isClosed) {
      response.destroy();
      return;
    }
    const routeRequest: RouteRequest = { route, pathname, authorization: request.headers.authorization, body };
    const ticket = this.pool.submit(new PooledRequest(this, routeRequest, response));

    // Only a queued request can be abandoned; skipping the listener otherwise saves work on the fast path.
    if (ticket.queued) {
      response.once('close', () => {
        if (ticket.cancel()) {
          this.counters.queueAbandonsTotal += 1;
        }
      });
    }
  }

  /** Draws how long a worker holds a request of `route`, vendor call included when one is made. */
  drawHoldMs(route: RouteKey, callsVendor: boolean): number {
    const vendorMs = callsVendor ? this.#vendorSampler.sampleMs() : 0;
    return this.#routeSamplers[route].sampleMs() + vendorMs;
  }

  /** Sends the proxy's 503 for a request that waited `queueWaitMs` without a worker, and counts it. */
  sendQueueTimeout(response: ServerResponse, route: RouteKey, queueWaitMs: number): void {
    this.counters.queueTimeoutsTotal += 1;
    const message = `503 Service Unavailable: the request waited ${Math.round(queueWaitMs)} ms in the proxy queue ` +
      `without a free worker (queue timeout ${this.pool.queueTimeoutMs} ms).\n`;
    this.#send(response, route, { status: 503, contentType: 'text/plain; charset=utf-8', body: message, callsVendor: false });
  }

  /** Runs the route handler; an exception becomes a 500, as an application server would send. */
  computeResponse(routeRequest: RouteRequest): RouteResponse {
    try {
      return respondToRoute(routeRequest, this.#context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!this.#loggedErrorMessages.has(message)) {
        this.#loggedErrorMessages.add(message);
        console.error(`herd target: the ${routeRequest.route} handler failed on ${routeRequest.pathname}: ${message} (repeats are counted in herd_target_server_errors_total, not logged)`);
      }
      return jsonError(500, 'internal_error', 'The route handler failed; the target log has the details.');
    }
  }

  /** Sends a worker's response, or the fault drawn for it. A reset or garbage is counted as a fault only. */
  sendWithFault(response: ServerResponse, route: RouteKey, routeResponse: RouteResponse): void {
    const fault = this.faults.pick();
    if (fault === undefined) {
      this.#send(response, route, routeResponse);
      return;
    }

    this.counters.faultsTotal[fault] += 1;
    if (fault === 'slow-body') {
      if (response.destroyed) {
        return;
      }
      this.counters.countResponse(route, routeResponse.status);
      const body = typeof routeResponse.body === 'string' ? Buffer.from(routeResponse.body) : routeResponse.body;
      this.faults.sendSlowly(response, routeResponse.status, formatHeaders(routeResponse, body.length), body);
      return;
    }
    this.faults.breakConnection(fault, response);
  }

  /** Writes `routeResponse` unless the client is gone, and counts it either way, as a server's access log would. */
  #send(response: ServerResponse, route: RouteLabel, routeResponse: RouteResponse): void {
    this.counters.countResponse(route, routeResponse.status);
    if (response.destroyed || response.writableEnded) {
      return;
    }
    const body = routeResponse.body;
    const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    response.writeHead(routeResponse.status, formatHeaders(routeResponse, bodyBytes));
    response.end(body);
  }
}

/**
 * One request in the pool. A class instead of a closure per request, because the high-concurrency
 * profile creates thousands of these a second.
 */
class PooledRequest implements PoolJob {
  readonly #model: TargetModel;
  readonly #request: RouteRequest;
  readonly #response: ServerResponse;
  #routeResponse: RouteResponse | undefined;
  #holdMs = 0;

  constructor(model: TargetModel, request: RouteRequest, response: ServerResponse) {
    this.#model = model;
    this.#request = request;
    this.#response = response;
  }

  begin(queueWaitMs: number): number {
    this.#model.counters.observeQueueWait(queueWaitMs);
    this.#routeResponse = this.#model.computeResponse(this.#request);
    this.#holdMs = this.#model.drawHoldMs(this.#request.route, this.#routeResponse.callsVendor);
    return this.#holdMs;
  }

  complete(lateMs: number): void {
    const routeResponse = this.#routeResponse;
    if (routeResponse === undefined) {
      return;
    }
    const counters = this.#model.counters;
    counters.observeServiceTime(this.#request.route, this.#holdMs);
    counters.observeTimerLag(lateMs);
    if (routeResponse.status >= 500) {
      counters.serverErrorsTotal += 1;
    }
    this.#model.sendWithFault(this.#response, this.#request.route, routeResponse);
  }

  expire(queueWaitMs: number): void {
    this.#model.sendQueueTimeout(this.#response, this.#request.route, queueWaitMs);
  }
}

function formatHeaders(routeResponse: RouteResponse, bodyBytes: number): Record<string, string | number> {
  return { 'content-type': routeResponse.contentType, 'content-length': bodyBytes, ...routeResponse.headers };
}

const emptyBody = Buffer.alloc(0);

/** Tells whether the request announces a body, by Content-Length above 0 or by Transfer-Encoding. */
function hasBody(request: IncomingMessage): boolean {
  const contentLength = request.headers['content-length'];
  if (contentLength !== undefined && contentLength !== '0') {
    return true;
  }
  return request.headers['transfer-encoding'] !== undefined;
}

/** Reads the request body, or passes `undefined` once it exceeds `maxRequestBodyBytes`. */
function readBody(request: IncomingMessage, onBody: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let receivedBytes = 0;
  let tooLarge = false;
  request.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length;
    if (receivedBytes > maxRequestBodyBytes) {
      if (!tooLarge) {
        tooLarge = true;
        onBody(undefined);
      }
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (!tooLarge) {
      onBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    }
  });
}

/** Spreads the per-route seeds apart with the golden-ratio increment, so nearby seeds give unrelated streams. */
function deriveSeed(seed: number, streamIndex: number): number {
  return (seed + Math.imul(streamIndex + 1, 0x9e3779b9)) >>> 0;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function formatOrigin(host: string, port: number): string {
  return `http://${formatHost(host)}:${port}`;
}
