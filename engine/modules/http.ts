// The `k6/http` module: asyncRequest on undici with k6's response shape, metrics and tags.
// The synchronous calls (get, post, request, batch, …) are rejected because they would block every VU.
import { currentContext, sampleTags } from '../context.ts';
import type { IterationContext } from '../context.ts';
import { parseDurationMs } from '../duration.ts';
import { UnsupportedCallError } from '../errors.ts';
import { dispatchOnWire, toRequestTarget, VuConnectionPool } from '../http/client.ts';
import type { RequestTarget, RequestTimings, WireResponse, WireResponseHandler } from '../http/client.ts';
import { CookieJar } from '../http/cookie-jar.ts';
import { nowMs } from '../metrics.ts';
import type { Tags } from '../metrics.ts';
import type { TestRun } from '../test-run.ts';
import { isHostAllowed } from '../http/allowed-hosts.ts';
import { redactUrl } from '../../lib/safety/index.ts';

/** The request parameters the engine understands; others are accepted and ignored, as k6 ignores unknown ones. */
interface RequestParams {
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: number | string;
  responseType?: 'text' | 'binary' | 'none';
  redirects?: number;
  cookies?: Record<string, unknown>;
  responseCallback?: ExpectedStatuses;
}

/** Statuses that count as expected for `http_req_failed` and the `expected_response` tag. */
interface ExpectedStatuses {
  isExpected(status: number): boolean;
}

/** The URL of `http.url\`…\``: the request goes to `url` and its `name` tag is the template with `${}` for each value. */
class TaggedUrl {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_TIMEOUT_MS = 60_000;

function toBody(body: unknown, headers: Record<string, string>): Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    // k6 sends a plain object as a form.
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) form.append(key, String(value));
    return Buffer.from(form.toString(), 'utf8');
  }
  return Buffer.from(String(body), 'utf8');
}

function readTimeoutMs(timeout: unknown): number {
  if (timeout === undefined || timeout === null) return DEFAULT_TIMEOUT_MS;
  return parseDurationMs(timeout, 'request params: timeout');
}

function selectJson(value: unknown, selector: string): unknown {
  let current: unknown = value;
  for (const part of selector.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    const index = /^#?(\d+)$/.exec(part);
    current = index !== null && Array.isArray(current) ? current[Number(index[1])] : (current as Record<string, unknown>)[part];
  }
  return current;
}

/** `response.request`: the request as the script made it, before redirects. */
interface RequestSummary {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
}

/** The k6 Response: status, body, headers, timings, error and error_code, with json(). */
class Response {
  // Assigned in the constructor, in this order, which is the key order scripts see in JSON. The
  // constructor takes the objects a completed request already has, so none is built only to be replaced.
  status: number;
  status_text: string;
  proto: string;
  url: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  cookies: Record<string, { name: string; value: string }[]>;
  timings: RequestTimings;
  error: string;
  error_code: number;
  remote_ip: string;
  remote_port: number;
  tls_version: string;
  request: RequestSummary;

  constructor(url: string, headers: Record<string, string> = {}, timings?: RequestTimings, request?: RequestSummary) {
    this.status = 0;
    this.status_text = '';
    this.proto = 'HTTP/1.1';
    this.url = url;
    this.body = null;
    this.headers = headers;
    this.cookies = {};
    this.timings = timings ?? { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 };
    this.error = '';
    this.error_code = 0;
    this.remote_ip = '';
    this.remote_port = 0;
    this.tls_version = '';
    this.request = request ?? { method: '', url: '', headers: {}, body: '' };
  }

  json(selector?: string): unknown {
    if (typeof this.body !== 'string') throw new Error(`response.json(): the body of ${this.url} is not text (responseType is not "text", or there was no response)`);
    const parsed: unknown = JSON.parse(this.body);
    return selector === undefined ? parsed : selectJson(parsed, selector);
  }

  html(): never {
    throw new UnsupportedCallError('response.html() is not supported by the built-in engine; parse response.body yourself, or run the script with k6');
  }
}

/** A request's settings after its params are read, shared by every redirect hop. */
interface PreparedRequest {
  headers: Record<string, string>;
  payload: Buffer | undefined;
  timeoutMs: number;
  responseType: 'text' | 'binary' | 'none';
  expected: ExpectedStatuses;
  userTags: Tags;
  explicitName: string | undefined;
  redirects: number;
  cookies: Record<string, unknown>;
}

/** A parsed request URL with the parts that the wire layer and the `url` and `name` tags read. */
interface ParsedTarget extends RequestTarget {
  href: string;
  hostname: string;
  /** The `url` tag: the URL with secret query parameters redacted. */
  urlTag: string;
}

function toParsedTarget(url: URL): ParsedTarget {
  const href = url.href;
  return { ...toRequestTarget(url), href, hostname: url.hostname, urlTag: url.search === '' ? href : redactUrl(href) };
}

// Parsed URLs by text. Parsing was about 4 % of the CPU of a saturated run, and scripts repeat a
// handful of URLs. The engine never changes a URL object after parsing, so they can be shared.
const parsedUrls = new Map<string, ParsedTarget>();
const PARSED_URL_CACHE_LIMIT = 1024;

/** Returns the parsed URL, or the k6 error message for an invalid one (error code 1020). */
function parseRequestUrl(text: string): ParsedTarget | string {
  const cached = parsedUrls.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseUrlText(text);
  if (typeof parsed === 'string') return parsed;

  // Scripts that put ids into URLs would fill the cache, so it starts over at the limit.
  if (parsedUrls.size >= PARSED_URL_CACHE_LIMIT) parsedUrls.clear();
  const target = toParsedTarget(parsed);
  parsedUrls.set(text, target);
  return target;
}

function parseUrlText(text: string): URL | string {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `invalid URL "${text}": unsupported protocol ${url.protocol}`;
    return url;
  } catch (error) {
    return `invalid URL "${text}": ${(error as Error).message}`;
  }
}

/** Returns the headers of one hop with the jar's cookies for `url` and the request's own cookies. */
function withCookies(headers: Record<string, string>, jar: CookieJar, url: URL, extra: Record<string, unknown>): Record<string, string> {
  const pairs = jar.cookiesFor(url).map((cookie) => `${cookie.name}=${cookie.value}`);
  for (const name in extra) pairs.push(`${name}=${String(extra[name])}`);
  if (pairs.length === 0) return headers;
  const withCookie: Record<string, string> = {};
  for (const name in headers) withCookie[name] = headers[name] as string;
  withCookie.Cookie = pairs.join('; ');
  return withCookie;
}

/** Copies the last hop's result into the k6 Response. */
function fillResponse(response: Response, wire: WireResponse, target: ParsedTarget, responseType: PreparedRequest['responseType']): void {
  response.status = wire.status;
  response.status_text = wire.statusText;
  response.url = target.href;
  response.remote_ip = wire.remoteAddress;
  response.remote_port = wire.remotePort;
  response.error = wire.failure?.message ?? '';
  response.error_code = wire.failure?.code ?? 0;
  for (const header of wire.setCookies) {
    const pair = header.split(';', 1)[0] ?? '';
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    (response.cookies[name] ??= []).push({ name, value: pair.slice(equals + 1).trim() });
  }
  if (wire.status === 0) return;
  if (responseType === 'text') response.body = wire.body.toString('utf8');
  if (responseType === 'binary') response.body = wire.body.buffer.slice(wire.body.byteOffset, wire.body.byteOffset + wire.body.byteLength) as ArrayBuffer;
}

/** Builds the `k6/http` module for one run. */
export function createHttpModule(run: TestRun): Record<string, unknown> {
  let defaultExpected: ExpectedStatuses = { isExpected: (status) => status >= 200 && status < 400 };

  function rejectSynchronous(name: string, method: string): () => never {
    return () => {
      throw new UnsupportedCallError(
        `http.${name}() is synchronous and would block every VU in the built-in engine; write \`await http.asyncRequest('${method}', url, body, params)\` in an async function instead (k6 runs that too)`,
      );
    };
  }

  function vuPool(context: IterationContext): VuConnectionPool {
    if (context.vu.pool === undefined) context.vu.pool = new VuConnectionPool();
    return context.vu.pool;
  }

  function vuJar(context: IterationContext): CookieJar {
    if (context.vu.jar === undefined) context.vu.jar = new CookieJar();
    return context.vu.jar;
  }

  function emitMetrics(context: IterationContext, wire: WireResponse, tags: Tags): void {
    const builtin = run.builtin;
    const registry = run.registry;
    const timeMs = nowMs();
    registry.add(builtin.httpReqs, 1, tags, timeMs);
    registry.add(builtin.httpReqDuration, wire.timings.duration, tags, timeMs);
    registry.add(builtin.httpReqBlocked, wire.timings.blocked, tags, timeMs);
    registry.add(builtin.httpReqConnecting, wire.timings.connecting, tags, timeMs);
    registry.add(builtin.httpReqTlsHandshaking, wire.timings.tls_handshaking, tags, timeMs);
    registry.add(builtin.httpReqSending, wire.timings.sending, tags, timeMs);
    registry.add(builtin.httpReqWaiting, wire.timings.waiting, tags, timeMs);
    registry.add(builtin.httpReqReceiving, wire.timings.receiving, tags, timeMs);
    registry.add(builtin.httpReqFailed, tags.expected_response === 'true' ? 0 : 1, tags, timeMs);
    const dataTags = sampleTags(context);
    if (wire.bytesSent > 0) registry.add(builtin.dataSent, wire.bytesSent, dataTags, timeMs);
    if (wire.bytesReceived > 0) registry.add(builtin.dataReceived, wire.bytesReceived, dataTags, timeMs);
  }

  function blockedHostResponse(response: Response, hostname: string): Response {
    const message = `hostname (${hostname}) is not loopback and not listed in HERD_ALLOW_HOSTS or options.herd.allowHosts; the engine sends traffic only to allowed hosts`;
    run.logger.once(`blocked:${hostname}`, 'warning', `Request Failed: ${message}`);
    response.error = message;
    response.error_code = 1111;
    return response;
  }

  // Decisions per host name, kept once the options are known, because the allow list cannot change after that.
  const allowedByHost = new Map<string, boolean>();
  function isAllowed(hostname: string): boolean {
    const known = allowedByHost.get(hostname);
    if (known !== undefined) return known;
    const allowList = [process.env.HERD_ALLOW_HOSTS ?? '', ...(run.options?.allowHosts ?? [])].join(',');
    const allowed = isHostAllowed(hostname, allowList);
    if (run.options !== undefined) allowedByHost.set(hostname, allowed);
    return allowed;
  }

  /** Records one exchange (one redirect hop) as k6 samples and logs a network failure once per code and host. */
  function recordExchange(context: IterationContext, request: PreparedRequest, method: string, target: ParsedTarget, wire: WireResponse): void {
    // k6 sets both url and name to the name tag when the script gives one. Unlike k6, tokens in
    // the query string are redacted, because these tags reach every output file.
    const urlTag = request.explicitName ?? target.urlTag;
    // One object built in place: this runs for every request, and two spreads per request showed in profiles.
    const tags = sampleTags(context);
    for (const key in request.userTags) tags[key] = request.userTags[key] as string;
    tags.name = urlTag;
    tags.url = urlTag;
    tags.method = method;
    tags.proto = 'HTTP/1.1';
    tags.status = String(wire.status);
    tags.expected_response = request.expected.isExpected(wire.status) ? 'true' : 'false';
    if (wire.failure !== undefined) tags.error_code = String(wire.failure.code);
    if (wire.failure !== undefined && wire.failure.message !== '') tags.error = wire.failure.message;
    emitMetrics(context, wire, tags);
    if (wire.failure !== undefined && wire.failure.message !== '') {
      run.logger.once(`fail:${wire.failure.code}:${target.url.host}`, 'warning', `Request Failed: ${wire.failure.message}`, { error_code: wire.failure.code });
    }
  }

  function prepareRequest(target: unknown, body: unknown, params: RequestParams): PreparedRequest {
    const headers: Record<string, string> = { 'User-Agent': run.options?.userAgent ?? 'k6-herd' };
    const paramHeaders = params.headers;
    for (const name in paramHeaders) headers[name] = String(paramHeaders[name]);
    const userTags: Tags = {};
    const paramTags = params.tags;
    for (const key in paramTags) userTags[key] = String(paramTags[key]);
    return {
      headers,
      payload: toBody(body, headers),
      timeoutMs: readTimeoutMs(params.timeout),
      responseType: params.responseType ?? (run.options?.discardResponseBodies ? 'none' : 'text'),
      expected: params.responseCallback ?? defaultExpected,
      userTags,
      explicitName: userTags.name ?? (target instanceof TaggedUrl ? target.name : undefined),
      redirects: params.redirects ?? run.options?.maxRedirects ?? 10,
      cookies: params.cookies ?? {},
    };
  }

  /**
   * One `asyncRequest` call from its first hop to its response. It follows redirects from undici's
   * completion callback instead of awaiting each hop. With AsyncLocalStorage active, every promise
   * and await runs async hooks, and a saturated run makes one call per iteration.
   */
  class PendingRequest implements WireResponseHandler {
    private method: string;
    private body: Buffer | undefined;
    private redirectsLeft: number;
    private readonly jar: CookieJar;

    constructor(
      private readonly context: IterationContext,
      private readonly request: PreparedRequest,
      private target: ParsedTarget,
      private readonly urlText: string,
      private readonly requestedMethod: string,
      private readonly resolve: (response: Response) => void,
      private readonly reject: (error: unknown) => void,
    ) {
      this.method = requestedMethod;
      this.body = request.payload;
      this.redirectsLeft = request.redirects;
      this.jar = vuJar(context);
    }

    /** Sends the current hop, or resolves with the blocked-host response when its host is not allowed. */
    send(): void {
      const target = this.target;
      if (!isAllowed(target.hostname)) {
        this.resolve(blockedHostResponse(new Response(this.urlText), target.hostname));
        return;
      }
      const request = this.request;
      const headers = withCookies(request.headers, this.jar, target.url, request.cookies);
      const wireRequest = { method: this.method, target, headers, body: this.body, timeoutMs: request.timeoutMs, closeConnection: run.options?.noConnectionReuse === true };
      dispatchOnWire(vuPool(this.context), wireRequest, this.context.interruption, this);
    }

    onWireResponse(wire: WireResponse): void {
      try {
        this.completeHop(wire);
      } catch (error) {
        this.reject(error);
      }
    }

    private completeHop(wire: WireResponse): void {
      const { request, target } = this;
      for (const header of wire.setCookies) this.jar.store(target.url, header);
      recordExchange(this.context, request, this.method, target, wire);

      const location = wire.headers.Location;
      if (REDIRECT_STATUSES.has(wire.status) && location !== undefined && this.redirectsLeft > 0) {
        this.redirectsLeft--;
        this.target = toParsedTarget(new URL(location, target.url));
        // As browsers and Go do, a 303 (or a 301/302 after a POST) continues as a GET without a body.
        if (wire.status === 303 || ((wire.status === 301 || wire.status === 302) && this.method === 'POST')) {
          this.method = 'GET';
          this.body = undefined;
          for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'content-type') delete request.headers[name];
        }
        // The next hop is sent after undici has finished with the current response.
        queueMicrotask(() => this.send());
        return;
      }

      const requestHeaders: Record<string, string[]> = {};
      for (const name in request.headers) requestHeaders[name] = [request.headers[name] as string];
      const summary = { method: this.requestedMethod, url: this.urlText, headers: requestHeaders, body: request.payload?.toString('utf8') ?? '' };
      const response = new Response(this.urlText, wire.headers, wire.timings, summary);
      fillResponse(response, wire, target, request.responseType);
      this.resolve(response);
    }
  }

  function asyncRequest(method: unknown, target: unknown, body?: unknown, params?: RequestParams): Promise<Response> {
    try {
      const context = currentContext();
      if (context === undefined) throw new Error('http requests cannot be made in the init code; make them in setup(), the default function or an exec function');
      const urlText = target instanceof TaggedUrl ? target.url : String(target);
      const parsed = parseRequestUrl(urlText);
      if (typeof parsed === 'string') {
        const response = new Response(urlText);
        response.error = parsed;
        response.error_code = 1020;
        run.logger.once(`url:${urlText}`, 'warning', `Request Failed: ${response.error}`);
        return Promise.resolve(response);
      }

      const request = prepareRequest(target, body, params ?? {});
      const requestedMethod = String(method).toUpperCase();
      return new Promise((resolve, reject) => new PendingRequest(context, request, parsed, urlText, requestedMethod, resolve, reject).send());
    } catch (error) {
      // An invalid call (an unknown timeout format, a request in the init code) rejects, as in k6's async API.
      return Promise.reject(error);
    }
  }

  function url(strings: TemplateStringsArray, ...values: unknown[]): TaggedUrl {
    let text = strings[0] ?? '';
    let name = strings[0] ?? '';
    values.forEach((value, i) => {
      text += String(value) + (strings[i + 1] ?? '');
      name += '${}' + (strings[i + 1] ?? '');
    });
    return new TaggedUrl(text, name);
  }

  function expectedStatuses(...ranges: (number | { min: number; max: number })[]): ExpectedStatuses {
    return {
      isExpected: (status) => ranges.some((range) => (typeof range === 'number' ? status === range : status >= range.min && status <= range.max)),
    };
  }

  function setResponseCallback(callback: ExpectedStatuses | null): void {
    defaultExpected = callback ?? { isExpected: () => true };
  }

  function cookieJar(): { set: (url: string, name: string, value: string) => void; cookiesForURL: (url: string) => Record<string, string[]>; clear: (url: string) => void } {
    const context = currentContext();
    if (context === undefined) throw new Error('http.cookieJar() is only available inside an iteration, not in the init code');
    const jar = vuJar(context);
    return {
      set: (target, name, value) => jar.set({ name, value, domain: new URL(target).hostname, path: '/', expiresAtMs: undefined, secure: false, httpOnly: false }),
      cookiesForURL: (target) => {
        const result: Record<string, string[]> = {};
        for (const cookie of jar.cookiesFor(new URL(target))) (result[cookie.name] ??= []).push(cookie.value);
        return result;
      },
      clear: () => jar.clear(),
    };
  }

  const api = {
    asyncRequest,
    url,
    expectedStatuses,
    setResponseCallback,
    cookieJar,
    request: rejectSynchronous('request', 'METHOD'),
    get: rejectSynchronous('get', 'GET'),
    post: rejectSynchronous('post', 'POST'),
    put: rejectSynchronous('put', 'PUT'),
    patch: rejectSynchronous('patch', 'PATCH'),
    del: rejectSynchronous('del', 'DELETE'),
    head: rejectSynchronous('head', 'HEAD'),
    options: rejectSynchronous('options', 'OPTIONS'),
    batch: () => {
      throw new UnsupportedCallError(
        'http.batch() is synchronous and would block every VU in the built-in engine; write `await Promise.all(requests.map((r) => http.asyncRequest(r.method, r.url, r.body, r.params)))` instead (k6 runs that too)',
      );
    },
  };
  return { ...api, default: api };
}
