// Sends one HTTP exchange on undici and measures it the way k6 splits a request's time.
import { performance } from 'node:perf_hooks';
import { buildConnector, Client } from 'undici';
import type { Dispatcher } from 'undici';
import type { Interruption, InterruptListener } from '../context.ts';
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

/**
 * A request URL with the parts that every request on it reads. URL getters build a new string on each
 * call, so the parts are computed once per parsed URL and shared.
 */
export interface RequestTarget {
  url: URL;
  /** `http://host:port`, the key of a VU's connections. */
  origin: string;
  /** Path and query string, as written in the request line. */
  path: string;
  /** Host name without IPv6 brackets, reported as `remote_ip`. */
  remoteAddress: string;
  remotePort: number;
  /** Bytes of the request line and Host header apart from the method, for `data_sent`. */
  requestLineBytes: number;
}

/** Computes the parts of `url` that the wire layer reads for every request. */
export function toRequestTarget(url: URL): RequestTarget {
  const path = `${url.pathname}${url.search}`;
  const defaultPort = url.protocol === 'https:' ? 443 : 80;
  return {
    url,
    origin: url.origin,
    path,
    remoteAddress: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    remotePort: url.port === '' ? defaultPort : Number(url.port),
    requestLineBytes: path.length + 12 + url.host.length + 10,
  };
}

/** One request to send on the wire (no redirects; the caller follows them). */
export interface WireRequest {
  method: string;
  target: RequestTarget;
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
  let size = request.method.length + request.target.requestLineBytes;
  for (const name in request.headers) size += name.length + (request.headers[name] as string).length + 4;
  return size + (request.body?.length ?? 0);
}

const EMPTY_BODY = Buffer.alloc(0);

/** Receives the response of one wire request. */
export interface WireResponseHandler {
  onWireResponse(response: WireResponse): void;
}

/**
 * The in-flight exchanges that share one timeout, in the order they started, so the first one is always
 * the first to expire. The list needs one timer where each request used to start its own. A Timeout per
 * request, with the async hooks that AsyncLocalStorage runs for each, showed in profiles of saturated runs.
 */
class TimeoutList {
  private first: WireExchange | undefined;
  private last: WireExchange | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(exchange: WireExchange, nowMs: number): void {
    exchange.deadlineMs = nowMs + this.timeoutMs;
    exchange.previousInList = this.last;
    exchange.nextInList = undefined;
    if (this.last === undefined) this.first = exchange;
    else this.last.nextInList = exchange;
    this.last = exchange;
    exchange.timeoutList = this;
    if (this.timer === undefined) this.arm(nowMs);
  }

  remove(exchange: WireExchange): void {
    const { previousInList, nextInList } = exchange;
    if (previousInList === undefined) this.first = nextInList;
    else previousInList.nextInList = nextInList;
    if (nextInList === undefined) this.last = previousInList;
    else nextInList.previousInList = previousInList;
    exchange.previousInList = undefined;
    exchange.nextInList = undefined;
    exchange.timeoutList = undefined;
  }

  // The timer stays armed when its exchange ends early. It then fires once, finds nothing expired and
  // waits for the new first exchange. It is unref'd, because a pending request keeps its socket ref'd.
  private arm(nowMs: number): void {
    if (this.first === undefined) return;
    this.timer = setTimeout(this.expire, Math.max(1, Math.ceil(this.first.deadlineMs - nowMs)));
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const nowMs = performance.now();
    while (this.first !== undefined && this.first.deadlineMs <= nowMs) {
      const expired = this.first;
      this.remove(expired);
      expired.timeOut();
    }
    this.arm(nowMs);
  };
}

const timeoutLists = new Map<number, TimeoutList>();

function timeoutListFor(timeoutMs: number): TimeoutList {
  let list = timeoutLists.get(timeoutMs);
  if (list === undefined) {
    list = new TimeoutList(timeoutMs);
    timeoutLists.set(timeoutMs, list);
  }
  return list;
}

/**
 * One request on one connection, and undici's handler for it. A class instead of closures keeps the
 * per-request cost to one object, which matters at tens of thousands of requests per second.
 */
class WireExchange implements Dispatcher.DispatchHandler, InterruptListener {
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
  /** Place in the TimeoutList of the request's timeout; maintained by that list. */
  deadlineMs = 0;
  timeoutList: TimeoutList | undefined;
  previousInList: WireExchange | undefined;
  nextInList: WireExchange | undefined;

  constructor(
    private readonly pool: VuConnectionPool,
    private readonly connection: VuConnection,
    private readonly request: WireRequest,
    private readonly interruption: Interruption | undefined,
    private readonly handler: WireResponseHandler,
  ) {
    const target = request.target;
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
      remoteAddress: target.remoteAddress,
      remotePort: target.remotePort,
    };
    timeoutListFor(request.timeoutMs).add(this, this.startedAtMs);
    interruption?.subscribe(this);
  }

  private get address(): string {
    return `${this.response.remoteAddress}:${this.response.remotePort}`;
  }

  /** Ends the exchange with a timeout; called by its TimeoutList. */
  timeOut(): void {
    // finish() runs before the abort so that undici's resulting onError cannot replace the reason.
    this.finish(REQUEST_TIMEOUT);
    this.abortRequest?.(new Error('request timeout'));
  }

  onInterrupt(): void {
    this.finish({ message: 'context canceled', code: 1000 });
    this.abortRequest?.(new Error('iteration interrupted'));
  }

  finish(failure: RequestFailure | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.timeoutList?.remove(this);
    this.interruption?.unsubscribe(this);
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
    if (failure === undefined) this.pool.release(this.request.target.origin, this.connection);
    else this.pool.discard(this.connection);
    this.handler.onWireResponse(response);
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
 * Sends `request` on one of the VU's connections and passes the response or a failure to `handler`,
 * once. Network errors become responses with status 0 and an error code, as k6 reports them, so there
 * is no error path. The handler can run before this function returns, when undici rejects the request
 * at once.
 */
export function dispatchOnWire(pool: VuConnectionPool, request: WireRequest, interruption: Interruption | undefined, handler: WireResponseHandler): void {
  const target = request.target;
  const connection = pool.acquire(target.origin);
  const exchange = new WireExchange(pool, connection, request, interruption, handler);
  let headers = request.headers;
  if (request.body !== undefined) {
    headers = {};
    for (const name in request.headers) headers[name] = request.headers[name] as string;
    headers['content-length'] = String(request.body.length);
  }
  try {
    connection.client.dispatch(
      {
        path: target.path,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body: request.body ?? null,
        reset: request.closeConnection,
        // The exchange enforces the request's timeout itself, so undici's own timers stay off.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      exchange,
    );
  } catch (error) {
    exchange.finish(failureFromError(error, `${target.url.hostname}:${target.url.port}`));
  }
}

/** Sends `request` like dispatchOnWire and resolves with the response; it never rejects. */
export function sendOnWire(pool: VuConnectionPool, request: WireRequest, interruption: Interruption | undefined): Promise<WireResponse> {
  return new Promise((resolve) => dispatchOnWire(pool, request, interruption, { onWireResponse: resolve }));
}
