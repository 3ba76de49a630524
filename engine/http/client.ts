// Sends one HTTP exchange on undici and measures it the way k6 splits a request's time.
import { performance } from 'node:perf_hooks';
import { buildConnector, Client } from 'undici';
import type { Dispatcher } from 'undici';
import type { Interruption } from '../context.ts';
import { errorCodeForStatus, failureFromError, REQUEST_TIMEOUT } from './error-codes.ts';
import type { RequestFailure } from './error-codes.ts';

/** k6's request phases in milliseconds; `blocked` includes `connecting` and `tls_handshaking`, as in k6. */
export interface RequestTimings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

/** One request to send on the wire (no redirects; the caller follows them). */
export interface WireRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  timeoutMs: number;
  /** Close the connection after this exchange instead of keeping it alive. */
  closeConnection: boolean;
}

/** The result of one wire request; `failure` is set when no complete response arrived. */
export interface WireResponse {
  status: number;
  statusText: string;
  /** Header names in canonical form (`Content-Type`), repeated values joined by `, `. */
  headers: Record<string, string>;
  setCookies: string[];
  body: Buffer;
  timings: RequestTimings;
  failure: RequestFailure | undefined;
  bytesSent: number;
  bytesReceived: number;
  remoteAddress: string;
  remotePort: number;
}

const CONNECT_TIMEOUT_MS = 60_000;

// One connector for every VU: it is stateless apart from its TLS session cache, and building one per
// VU cost more than the VU itself.
let sharedConnector: buildConnector.connector | undefined;

function connector(): buildConnector.connector {
  sharedConnector ??= buildConnector({ timeout: CONNECT_TIMEOUT_MS });
  return sharedConnector;
}

/**
 * One connection of a VU: an undici Client that sends one request at a time. Because a connection
 * serves one exchange at a time, the setup time of a new socket belongs to exactly the exchange that
 * waited for it.
 */
class VuConnection {
  readonly client: Client;
  /** Setup time of a socket opened since the last exchange took it, or -1. */
  connectMs = -1;
  tlsMs = 0;

  constructor(origin: string) {
    this.client = new Client(origin, {
      connect: (options, callback) => {
        const startedAtMs = performance.now();
        connector()(options, (error, socket) => {
          if (error !== null || socket === null) {
            callback(error as Error, null);
            return;
          }
          this.connectMs = performance.now() - startedAtMs;
          this.tlsMs = options.protocol === 'https:' ? this.connectMs : 0;
          callback(null, socket);
        });
      },
    });
  }

  /** Returns the setup time of a socket opened for the current exchange and clears it, or undefined. */
  takeConnect(): { connectMs: number; tlsMs: number } | undefined {
    if (this.connectMs < 0) return undefined;
    const record = { connectMs: this.connectMs, tlsMs: this.tlsMs };
    this.connectMs = -1;
    return record;
  }

  get isUsable(): boolean {
    return !this.client.destroyed && !this.client.closed;
  }
}

/**
 * A VU's own keep-alive connections, as k6 gives each VU: one idle list per origin, and a new
 * connection whenever the VU has more requests in flight to an origin than it has idle connections.
 */
export class VuConnectionPool {
  private readonly idleByOrigin = new Map<string, VuConnection[]>();
  private readonly all = new Set<VuConnection>();

  /** Takes an idle connection to `origin`, or makes a new one, which connects on its first request. */
  acquire(origin: string): VuConnection {
    const idle = this.idleByOrigin.get(origin);
    const reused = idle?.pop();
    if (reused !== undefined && reused.isUsable) return reused;
    if (reused !== undefined) this.all.delete(reused);
    const created = new VuConnection(origin);
    this.all.add(created);
    return created;
  }

  /** Gives a connection back after its exchange ended, unless the pool or the connection is closed. */
  release(origin: string, connection: VuConnection): void {
    if (!this.all.has(connection)) return;
    if (!connection.isUsable) {
      this.all.delete(connection);
      return;
    }
    let idle = this.idleByOrigin.get(origin);
    if (idle === undefined) {
      idle = [];
      this.idleByOrigin.set(origin, idle);
    }
    idle.push(connection);
  }

  /**
   * Destroys a connection whose exchange failed on the network, timed out or was interrupted. Its
   * request may still sit in the connection's queue (a timeout before the socket connected), and a
   * later request of the VU must not wait behind it.
   */
  discard(connection: VuConnection): void {
    if (!this.all.delete(connection)) return;
    // As in close(), the connection is out of the pool whatever destroy() reports.
    void Promise.allSettled([connection.client.destroy()]);
  }

  /** Closes every connection at once; exchanges still running on them fail. */
  async close(): Promise<void> {
    const closing = [...this.all].map((connection) => connection.client.destroy());
    this.all.clear();
    this.idleByOrigin.clear();
    await Promise.allSettled(closing);
  }
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

const canonicalNames = new Map<string, string>();
const CANONICAL_CACHE_LIMIT = 4096;

/** Turns `content-type` into Go's canonical header form `Content-Type`, which k6 responses use. */
export function canonicalHeaderName(name: string): string {
  const cached = canonicalNames.get(name);
  if (cached !== undefined) return cached;
  const canonical = name
    .toLowerCase()
    .split('-')
    .map((part) => (part.length > 0 ? (part[0] as string).toUpperCase() + part.slice(1) : part))
    .join('-');
  // Header names come from the target, so the cache stops growing at a bound instead of trusting it.
  if (canonicalNames.size < CANONICAL_CACHE_LIMIT) canonicalNames.set(name, canonical);
  return canonical;
}

function estimateRequestBytes(request: WireRequest): number {
  const url = request.url;
  let size = request.method.length + url.pathname.length + url.search.length + 12 + url.host.length + 10;
  for (const name in request.headers) size += name.length + (request.headers[name] as string).length + 4;
  return size + (request.body?.length ?? 0);
}

const EMPTY_BODY = Buffer.alloc(0);

/**
 * One request on one connection, and undici's handler for it. A class instead of closures keeps the
 * per-request cost to one object, which matters at tens of thousands of requests per second.
 */
class WireExchange implements Dispatcher.DispatchHandler {
  readonly response: WireResponse;
  private readonly startedAtMs = performance.now();
  private connectedAtMs = 0;
  private sentAtMs = 0;
  private firstByteAtMs = 0;
  private abortRequest: ((error?: Error) => void) | undefined;
  private settled = false;
  private chunks: Buffer[] | undefined;
  private bodyBytes = 0;
  private headerBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    private readonly pool: VuConnectionPool,
    private readonly connection: VuConnection,
    private readonly request: WireRequest,
    interruption: Interruption | undefined,
    private readonly resolve: (response: WireResponse) => void,
  ) {
    const url = request.url;
    const isHttps = url.protocol === 'https:';
    this.response = {
      status: 0,
      statusText: '',
      headers: {},
      setCookies: [],
      body: EMPTY_BODY,
      timings: { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 },
      failure: undefined,
      bytesSent: 0,
      bytesReceived: 0,
      remoteAddress: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      remotePort: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
    };
    // finish() runs before the abort so that undici's resulting onError cannot replace the reason.
    this.timer = setTimeout(() => {
      this.finish(REQUEST_TIMEOUT);
      this.abortRequest?.(new Error('request timeout'));
    }, request.timeoutMs);
    this.unsubscribe = interruption?.subscribe(() => {
      this.finish({ message: 'context canceled', code: 1000 });
      this.abortRequest?.(new Error('iteration interrupted'));
    });
  }

  private get address(): string {
    return `${this.response.remoteAddress}:${this.response.remotePort}`;
  }

  finish(failure: RequestFailure | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    const endedAtMs = performance.now();
    if (this.connectedAtMs === 0) this.connectedAtMs = endedAtMs;
    if (this.sentAtMs === 0) this.sentAtMs = Math.max(this.connectedAtMs, endedAtMs);
    if (this.firstByteAtMs === 0) this.firstByteAtMs = endedAtMs;

    const response = this.response;
    const timings = response.timings;
    const connect = this.connection.takeConnect();
    timings.connecting = connect?.connectMs ?? 0;
    timings.tls_handshaking = connect?.tlsMs ?? 0;
    timings.blocked = this.connectedAtMs - this.startedAtMs;
    timings.sending = Math.max(0, this.sentAtMs - this.connectedAtMs);
    timings.waiting = Math.max(0, this.firstByteAtMs - this.sentAtMs);
    timings.receiving = Math.max(0, endedAtMs - this.firstByteAtMs);
    timings.duration = timings.sending + timings.waiting + timings.receiving;

    // Copied, because undici's chunks are views into the socket's read buffers.
    if (this.chunks !== undefined) response.body = Buffer.concat(this.chunks, this.bodyBytes);
    response.bytesSent = failure?.code !== 1212 ? estimateRequestBytes(this.request) : 0;
    response.bytesReceived = this.headerBytes + this.bodyBytes;
    const statusCode = errorCodeForStatus(response.status);
    response.failure = failure ?? (statusCode > 0 ? { message: '', code: statusCode } : undefined);
    if (failure === undefined) this.pool.release(this.request.url.origin, this.connection);
    else this.pool.discard(this.connection);
    this.resolve(response);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortRequest = abort;
    if (this.settled) abort(new Error('request already ended'));
    else this.connectedAtMs = performance.now();
  }

  // onRequestSent exists in undici 7 at run time but is missing from its type declarations.
  onRequestSent(): void {
    this.sentAtMs = performance.now();
  }

  onResponseStarted(): void {
    this.firstByteAtMs = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    const nowMs = performance.now();
    if (this.sentAtMs === 0) this.sentAtMs = nowMs;
    if (this.firstByteAtMs === 0) this.firstByteAtMs = nowMs;
    const response = this.response;
    response.status = statusCode;
    response.statusText = `${statusCode} ${statusText || STATUS_TEXT[statusCode] || ''}`.trim();
    let headerBytes = response.statusText.length + 11;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString();
      const value = (rawHeaders[i + 1] as Buffer).toString();
      headerBytes += name.length + value.length + 4;
      const canonical = canonicalHeaderName(name);
      if (canonical === 'Set-Cookie') response.setCookies.push(value);
      const previous = response.headers[canonical];
      response.headers[canonical] = previous === undefined ? value : `${previous}, ${value}`;
    }
    this.headerBytes = headerBytes;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bodyBytes += chunk.length;
    if (this.chunks === undefined) this.chunks = [chunk];
    else this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.finish(undefined);
  }

  onError(error: Error): void {
    this.finish(failureFromError(error, this.address));
  }
}

/**
 * Sends `request` on one of the VU's connections and resolves with the response or a failure. It never
 * rejects, because k6 turns network errors into responses with status 0 and an error code.
 */
export function sendOnWire(pool: VuConnectionPool, request: WireRequest, interruption: Interruption | undefined): Promise<WireResponse> {
  return new Promise((resolve) => {
    const connection = pool.acquire(request.url.origin);
    const exchange = new WireExchange(pool, connection, request, interruption, resolve);
    let headers = request.headers;
    if (request.body !== undefined) {
      headers = {};
      for (const name in request.headers) headers[name] = request.headers[name] as string;
      headers['content-length'] = String(request.body.length);
    }
    try {
      connection.client.dispatch(
        {
          path: `${request.url.pathname}${request.url.search}`,
          method: request.method as Dispatcher.HttpMethod,
          headers,
          body: request.body ?? null,
          reset: request.closeConnection,
          headersTimeout: request.timeoutMs + 1000,
          bodyTimeout: request.timeoutMs + 1000,
        },
        exchange,
      );
    } catch (error) {
      exchange.finish(failureFromError(error, `${request.url.hostname}:${request.url.port}`));
    }
  });
}
