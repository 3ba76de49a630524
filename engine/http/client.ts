// Sends one HTTP exchange on undici and measures it the way k6 splits a request's time.
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector } from 'undici';
import type { Dispatcher } from 'undici';
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

interface ConnectRecord {
  startedAtMs: number;
  connectMs: number;
  tlsMs: number;
  claimed: boolean;
}

/**
 * A VU's own keep-alive connection pool, as k6 gives each VU. Connection setup times are recorded so
 * that the request that waited for a new connection reports them as `connecting`.
 * NOTE: with parallel requests in one VU, a new connection is credited to the oldest request still waiting, which may not be the one it served.
 */
export class VuConnectionPool {
  readonly agent: Agent;
  private readonly connects: ConnectRecord[] = [];

  constructor(connectTimeoutMs = 60_000) {
    const connector = buildConnector({ timeout: connectTimeoutMs });
    this.agent = new Agent({
      connect: (options, callback) => {
        const startedAtMs = performance.now();
        connector(options, (error, socket) => {
          if (error === null && socket !== null) {
            const connectMs = performance.now() - startedAtMs;
            this.connects.push({ startedAtMs, connectMs, tlsMs: options.protocol === 'https:' ? connectMs : 0, claimed: false });
            if (this.connects.length > 64) this.connects.splice(0, this.connects.length - 64);
            callback(null, socket);
          } else callback(error as Error, null);
        });
      },
    });
  }

  /** Returns and claims the setup time of a connection opened after `sinceMs`, if any. */
  claimConnect(sinceMs: number): ConnectRecord | undefined {
    const record = this.connects.find((candidate) => !candidate.claimed && candidate.startedAtMs >= sinceMs - 0.001);
    if (record !== undefined) record.claimed = true;
    return record;
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** Turns `content-type` into Go's canonical header form `Content-Type`, which k6 responses use. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part.length > 0 ? (part[0] as string).toUpperCase() + part.slice(1) : part))
    .join('-');
}

function estimateRequestBytes(request: WireRequest): number {
  let size = `${request.method} ${request.url.pathname}${request.url.search} HTTP/1.1\r\n`.length + `Host: ${request.url.host}\r\n`.length + 2;
  for (const [name, value] of Object.entries(request.headers)) size += name.length + value.length + 4;
  return size + (request.body?.length ?? 0);
}

function emptyTimings(): RequestTimings {
  return { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 };
}

/**
 * Sends `request` through the VU's pool and resolves with the response or a failure. It never rejects,
 * because k6 turns network errors into responses with status 0 and an error code.
 */
export function sendOnWire(pool: VuConnectionPool, request: WireRequest, signal: AbortSignal | undefined): Promise<WireResponse> {
  return new Promise((resolve) => {
    const startedAtMs = performance.now();
    const address = `${request.url.hostname}:${request.url.port || (request.url.protocol === 'https:' ? '443' : '80')}`;
    let connectedAtMs = 0;
    let sentAtMs = 0;
    let firstByteAtMs = 0;
    let abortRequest: ((error?: Error) => void) | undefined;
    let settled = false;
    const chunks: Buffer[] = [];
    let bodyBytes = 0;
    let headerBytes = 0;
    const response: WireResponse = {
      status: 0,
      statusText: '',
      headers: {},
      setCookies: [],
      body: Buffer.alloc(0),
      timings: emptyTimings(),
      failure: undefined,
      bytesSent: 0,
      bytesReceived: 0,
      remoteAddress: request.url.hostname.replace(/^\[|\]$/g, ''),
      remotePort: Number(request.url.port || (request.url.protocol === 'https:' ? 443 : 80)),
    };

    const finish = (failure: RequestFailure | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const endedAtMs = performance.now();
      const connect = pool.claimConnect(startedAtMs);
      if (connectedAtMs === 0) connectedAtMs = endedAtMs;
      if (sentAtMs === 0) sentAtMs = Math.max(connectedAtMs, endedAtMs);
      if (firstByteAtMs === 0) firstByteAtMs = endedAtMs;
      const timings = response.timings;
      timings.connecting = connect?.connectMs ?? 0;
      timings.tls_handshaking = connect?.tlsMs ?? 0;
      timings.blocked = connectedAtMs - startedAtMs;
      timings.sending = Math.max(0, sentAtMs - connectedAtMs);
      timings.waiting = Math.max(0, firstByteAtMs - sentAtMs);
      timings.receiving = Math.max(0, endedAtMs - firstByteAtMs);
      timings.duration = timings.sending + timings.waiting + timings.receiving;
      response.body = Buffer.concat(chunks);
      response.bytesSent = connectedAtMs > 0 && failure?.code !== 1212 ? estimateRequestBytes(request) : 0;
      response.bytesReceived = headerBytes + bodyBytes;
      response.failure = failure ?? (errorCodeForStatus(response.status) > 0 ? { message: '', code: errorCodeForStatus(response.status) } : undefined);
      resolve(response);
    };
    // finish() runs before the abort so that undici's resulting onError cannot replace the reason.
    const timer = setTimeout(() => {
      finish(REQUEST_TIMEOUT);
      abortRequest?.(new Error('request timeout'));
    }, request.timeoutMs);
    const onAbort = (): void => {
      finish({ message: 'context canceled', code: 1000 });
      abortRequest?.(new Error('iteration interrupted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // onRequestSent exists in undici 7 at run time but is missing from its type declarations.
    const handler: Dispatcher.DispatchHandler & { onRequestSent(): void } = {
      onConnect(abort) {
        abortRequest = abort;
        if (settled) abort(new Error('request already ended'));
        else connectedAtMs = performance.now();
      },
      onRequestSent() {
        sentAtMs = performance.now();
      },
      onResponseStarted() {
        firstByteAtMs = performance.now();
      },
      onHeaders(statusCode, rawHeaders, _resume, statusText) {
        if (statusCode < 200) return true;
        if (sentAtMs === 0) sentAtMs = performance.now();
        if (firstByteAtMs === 0) firstByteAtMs = performance.now();
        response.status = statusCode;
        response.statusText = `${statusCode} ${statusText || STATUS_TEXT[statusCode] || ''}`.trim();
        headerBytes = `HTTP/1.1 ${response.statusText}\r\n`.length + 2;
        for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
          const name = String(rawHeaders[i]);
          const value = String(rawHeaders[i + 1]);
          headerBytes += name.length + value.length + 4;
          const canonical = canonicalHeaderName(name);
          if (canonical === 'Set-Cookie') response.setCookies.push(value);
          response.headers[canonical] = canonical in response.headers ? `${response.headers[canonical]}, ${value}` : value;
        }
        return true;
      },
      onData(chunk) {
        bodyBytes += chunk.length;
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        finish(undefined);
      },
      onError(error) {
        finish(failureFromError(error, address));
      },
    };

    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(request.body.length);
    try {
      pool.agent.dispatch(
        {
          origin: request.url.origin,
          path: `${request.url.pathname}${request.url.search}`,
          method: request.method as Dispatcher.HttpMethod,
          headers,
          body: request.body ?? null,
          reset: request.closeConnection,
          headersTimeout: request.timeoutMs + 1000,
          bodyTimeout: request.timeoutMs + 1000,
        },
        handler,
      );
    } catch (error) {
      finish(failureFromError(error, address));
    }
  });
}
