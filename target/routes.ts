// The responses a worker sends for each pool route. A worker computes the response when it takes
// the request, so a token is checked at that moment, and sends it when its hold time ends.
import { randomUUID } from 'node:crypto';
import type { RouteKey } from './profiles.ts';
import type { TokenAuthority, TokenRejection } from './tokens.ts';

/** A request after the proxy has read it completely. */
export interface RouteRequest {
  route: RouteKey;
  /** Path without the query string, still percent-encoded. */
  pathname: string;
  authorization: string | undefined;
  body: Buffer;
}

/** What a worker sends, and whether producing it called the streaming vendor. */
export interface RouteResponse {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** True when the worker also waits on the vendor call before it responds. */
  callsVendor: boolean;
}

/** What the route handlers need from the running target. */
export interface RouteContext {
  tokens: TokenAuthority;
  /** The target's own origin, such as `http://127.0.0.1:8080`; playback URLs point back at it. */
  baseUrl: string;
  nowMs(): number;
}

/** Largest request body the proxy reads, in bytes; a larger one gets 413 without reaching a worker. */
export const maxRequestBodyBytes = 64 * 1024;

const jsonType = 'application/json; charset=utf-8';

/** Computes the response of `request`; it never throws for bad client input, which gets a 4xx response. */
export function respondToRoute(request: RouteRequest, context: RouteContext): RouteResponse {
  switch (request.route) {
    case 'event-page':
      return respondEventPage(request);
    case 'auth-refresh':
      return respondAuthRefresh(request, context);
    case 'vendor-register':
      return respondVendorRegister(request, context);
    case 'app-config':
      return respondAppConfig(request);
    case 'api':
      return respondApi(request, context);
    case 'static':
      return respondStatic(request);
  }
}

function respondEventPage(request: RouteRequest): RouteResponse {
  const encodedId = request.pathname.slice('/events/'.length);
  const eventId = decodePathSegment(encodedId);
  if (eventId === undefined) {
    return jsonError(400, 'invalid_request', `The event id "${encodedId}" in the path is not valid percent-encoding.`);
  }
  const title = escapeHtml(eventId);
  const body = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>Live: ${title}</title>`,
    '<link rel="stylesheet" href="/static/css/event.css"></head>',
    `<body><main data-event-id="${title}"><h1>${title}</h1>`,
    '<p>The stream starts in a moment.</p><div id="player"></div></main>',
    '<script src="/static/js/player.js" defer></script></body></html>',
    '',
  ].join('\n');
  return { status: 200, contentType: 'text/html; charset=utf-8', body, callsVendor: false };
}

function respondAuthRefresh(request: RouteRequest, context: RouteContext): RouteResponse {
  const fields = parseJsonObject(request.body);
  const refreshToken = fields?.refreshToken;
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    return jsonError(400, 'invalid_request', 'The request body must be a JSON object with a non-empty string "refreshToken".');
  }
  const issued = context.tokens.issue(refreshToken, context.nowMs());
  return jsonOk(issued);
}

function respondVendorRegister(request: RouteRequest, context: RouteContext): RouteResponse {
  const rejection = checkBearer(request, context);
  if (rejection !== undefined) {
    return rejection;
  }
  const eventId = parseJsonObject(request.body)?.eventId;
  if (typeof eventId !== 'string' || eventId === '') {
    return jsonError(400, 'invalid_request', 'The request body must be a JSON object with a non-empty string "eventId".');
  }

  const vendorSessionId = randomUUID();
  const playbackUrl = `${context.baseUrl}/static/live/${encodeURIComponent(eventId)}/index.m3u8?session=${vendorSessionId}`;
  return { ...jsonOk({ vendorSessionId, playbackUrl }), callsVendor: true };
}

function respondAppConfig(request: RouteRequest): RouteResponse {
  if (request.pathname === '/api/app/feature-flags') {
    return jsonOk({ flags: { liveChat: true, reactions: true, lowLatencyPlayback: false } });
  }
  return jsonOk({ minimumAppVersion: '5.2.0', pollIntervalSeconds: 30, cdnBaseUrl: '/static' });
}

function respondApi(request: RouteRequest, context: RouteContext): RouteResponse {
  const rejection = checkBearer(request, context);
  if (rejection !== undefined) {
    return rejection;
  }
  return jsonOk({ path: request.pathname, items: [] });
}

const staticContentTypes: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  png: 'image/png',
  m3u8: 'application/vnd.apple.mpegurl',
};

// 2 KiB of fixed bytes that look random (a multiplicative hash of the index), the same in every run.
const staticBody = Buffer.from(Array.from({ length: 2048 }, (_, index) => (index * 2654435761) >>> 24));

function respondStatic(request: RouteRequest): RouteResponse {
  const extension = /\.([a-z0-9]+)$/i.exec(request.pathname)?.[1]?.toLowerCase() ?? '';
  const contentType = staticContentTypes[extension] ?? 'application/octet-stream';
  return { status: 200, contentType, body: staticBody, headers: { 'cache-control': 'public, max-age=3600' }, callsVendor: false };
}

const rejectionMessages: Record<TokenRejection, string> = {
  missing: 'The request has no "Authorization: Bearer <accessToken>" header. Get a token from POST /auth/refresh.',
  malformed: 'The bearer token is not a token this target issued. Get a new one from POST /auth/refresh.',
  'bad-signature': 'The bearer token signature is invalid; tokens from another target process are rejected. Get a new one from POST /auth/refresh.',
  expired: 'The bearer token has expired. Refresh it with POST /auth/refresh.',
};

/** Returns a 401 response when the request lacks a valid bearer token, as RFC 6750 describes. */
function checkBearer(request: RouteRequest, context: RouteContext): RouteResponse | undefined {
  const check = context.tokens.verifyAuthorization(request.authorization, context.nowMs());
  if (check.valid) {
    return undefined;
  }
  const challenge = check.reason === 'missing' ? 'Bearer realm="herd-target"' : 'Bearer realm="herd-target", error="invalid_token"';
  const errorCode = check.reason === 'missing' ? 'missing_token' : 'invalid_token';
  const response = jsonError(401, errorCode, rejectionMessages[check.reason]);
  return { ...response, headers: { 'www-authenticate': challenge } };
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) {
      return undefined;
    }
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return undefined;
  }
  return parsed as Record<string, unknown>;
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (error instanceof URIError) {
      return undefined;
    }
    throw error;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function jsonOk(value: object): RouteResponse {
  return { status: 200, contentType: jsonType, body: JSON.stringify(value), callsVendor: false };
}

/** Builds a JSON error response `{ "error": code, "message": … }`. */
export function jsonError(status: number, errorCode: string, message: string): RouteResponse {
  return { status, contentType: jsonType, body: JSON.stringify({ error: errorCode, message }), callsVendor: false };
}
