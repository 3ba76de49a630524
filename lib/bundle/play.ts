// Plays one user's bundle through k6's HTTP API. Runs inside k6 and inside the built-in engine,
// so it uses only k6 modules and promise-based waits: no Node APIs, no http.get, no sleep.
import { check } from 'k6';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import type { BundleFile, BundleStep, RequestSpec } from '../event/types.ts';
import { countRequests, isExpectedStatus } from './steps.ts';
import { MissingVariableError, readCapture, renderDeep, renderTemplate, tokenVariableName } from './template.ts';

/** Requests a user never sent because an essential request before them failed. */
const skippedRequests = new Counter('herd_requests_skipped');

/** Per-user settings of playBundle. */
export interface PlayContext {
  /** Target base URL without a trailing slash. Example: `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Platform name, sent as the `platform` tag on every request. */
  platform: string;
  /** Values for `{{name}}` placeholders: the event's vars and the per-user ones such as `refreshToken`. */
  variables: Readonly<Record<string, string>>;
  /** When the user arrived, in ms since the epoch. Default: when playBundle is called. */
  arrivalMs?: number;
  /** Per-request timeout in ms. Default: 60000, as in k6. */
  requestTimeoutMs?: number;
}

/** The outcome of one user's bundle. */
export interface PlayResult {
  /** Whether every essential request returned an expected status (and captured what it should). */
  admitted: boolean;
  /** Ms from arrival to the last essential response, or to the failure that ended the bundle. */
  timeToAdmitMs: number;
  /** Requests sent, whatever their outcome. */
  requestsSent: number;
  /** Name of the essential request that failed first, when the user was not admitted. */
  failedRequestName?: string;
}

// Per-user state. A fresh object per playBundle call, because module state is shared by every VU
// in the built-in engine.
interface UserState {
  context: PlayContext;
  arrivalMs: number;
  variables: Record<string, string>;
  lastEssentialMs: number;
  requestsSent: number;
  failedRequestName?: string;
  /** The latest request that captures the token: played again when a bearer request meets a 401. */
  tokenRequest?: RequestSpec;
  /** A token refresh in progress, shared by the requests that met a 401 together. */
  refreshInFlight?: Promise<boolean>;
}

/**
 * Plays one user's bundle: steps in order, parallel groups at most `maxConcurrency` requests at a
 * time, placeholders filled from the context and from captures. When an essential request fails,
 * the user gives up the rest of the bundle, because a real app shows an error screen there.
 * Deferrable failures are counted by k6's metrics, and the user carries on.
 */
export async function playBundle(bundle: BundleFile, context: PlayContext): Promise<PlayResult> {
  const arrivalMs = context.arrivalMs ?? Date.now();
  const user: UserState = { context, arrivalMs, variables: { ...context.variables }, lastEssentialMs: arrivalMs, requestsSent: 0 };

  for (const [index, step] of bundle.steps.entries()) {
    await playStep(step, user);
    if (user.failedRequestName !== undefined) {
      skippedRequests.add(countRequests(bundle.steps.slice(index + 1)), { platform: context.platform });
      break;
    }
  }

  const result: PlayResult = {
    admitted: user.failedRequestName === undefined,
    timeToAdmitMs: user.lastEssentialMs - arrivalMs,
    requestsSent: user.requestsSent,
  };
  if (user.failedRequestName !== undefined) {
    result.failedRequestName = user.failedRequestName;
  }
  return result;
}

async function playStep(step: BundleStep, user: UserState): Promise<void> {
  if ('request' in step) {
    await playRequest(step.request, user);
  } else if ('parallel' in step) {
    await playParallel(step.parallel.steps.map((inner) => inner.request), step.parallel.maxConcurrency, user);
  } else {
    await new Promise<void>((resolve) => setTimeout(resolve, step.pause.durationMs));
  }
}

/**
 * Sends a group's requests with at most `maxConcurrency` in flight: that many workers each take
 * the next unsent request until none is left. After an essential failure no worker starts another
 * request (those in flight still finish, since k6 cannot cancel them); the unsent ones are skipped.
 */
async function playParallel(requests: readonly RequestSpec[], maxConcurrency: number | undefined, user: UserState): Promise<void> {
  let next = 0;
  let skipped = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next];
      next += 1;
      if (user.failedRequestName !== undefined) {
        skipped += 1;
        continue;
      }
      await playRequest(request, user);
    }
  };
  const workerCount = Math.min(maxConcurrency ?? requests.length, requests.length);
  const workers: Array<Promise<void>> = [];
  for (let index = 0; index < workerCount; index++) {
    workers.push(worker());
  }
  await Promise.all(workers);
  if (skipped > 0) {
    skippedRequests.add(skipped, { platform: user.context.platform });
  }
}

async function playRequest(request: RequestSpec, user: UserState): Promise<void> {
  const essential = request.essential !== false;
  if (request.capture !== undefined && request.capture[tokenVariableName] !== undefined) {
    user.tokenRequest = request;
  }
  const succeeded = await sendRequest(request, user);
  if (!essential) {
    return;
  }
  user.lastEssentialMs = Math.max(user.lastEssentialMs, Date.now());
  if (!succeeded && user.failedRequestName === undefined) {
    user.failedRequestName = request.name;
  }
}

/** The outcome of one attempt at a request. */
interface Attempt {
  /** HTTP status; 0 when the request failed before a response or was never sent. */
  status: number;
  statusOk: boolean;
  capturedAll: boolean;
  /** The bearer token the attempt sent, to tell whether another request has refreshed it since. */
  tokenSent?: string;
}

/**
 * Sends one request, applies its captures and returns whether it counts as a success. When a
 * bearer request gets a 401 response, the request that captured the token plays again and the
 * bearer request is sent once more, as an app does when its access token has expired.
 */
async function sendRequest(request: RequestSpec, user: UserState): Promise<boolean> {
  const tags = { name: request.name, platform: user.context.platform };
  let attempt = await attemptRequest(request, user, tags);
  const tokenRequest = user.tokenRequest;
  if (attempt.status === 401 && request.withToken === true && tokenRequest !== undefined && tokenRequest !== request) {
    if (await refreshToken(tokenRequest, attempt.tokenSent, user)) {
      attempt = await attemptRequest(request, user, tags);
    }
  }

  const checks: Record<string, () => boolean> = {
    [`${request.name} status ${describeExpected(request.expectStatus)}`]: () => attempt.statusOk,
  };
  if (attempt.statusOk && request.capture !== undefined) {
    checks[`${request.name} captured ${Object.keys(request.capture).join(', ')}`] = () => attempt.capturedAll;
  }
  check(attempt, checks, tags);
  return attempt.statusOk && attempt.capturedAll;
}

/**
 * Plays the token request again unless another request of this user already did since `tokenSent`
 * was sent. Requests that meet a 401 together share one refresh.
 */
async function refreshToken(tokenRequest: RequestSpec, tokenSent: string | undefined, user: UserState): Promise<boolean> {
  if (user.variables[tokenVariableName] !== tokenSent) {
    return true;
  }
  if (user.refreshInFlight === undefined) {
    user.refreshInFlight = sendRequest(tokenRequest, user).then((succeeded) => {
      user.refreshInFlight = undefined;
      return succeeded;
    });
  }
  return user.refreshInFlight;
}

async function attemptRequest(request: RequestSpec, user: UserState, tags: Record<string, string>): Promise<Attempt> {
  let url: string;
  let body: string | null;
  let headers: Record<string, string>;
  try {
    url = user.context.baseUrl + renderTemplate(request.path, user.variables);
    body = request.body === undefined ? null : JSON.stringify(renderDeep(request.body, user.variables));
    headers = renderHeaders(request, user.variables, body !== null);
  } catch (error) {
    // The loader checks placeholders at build time, so this means an earlier capture came back empty.
    if (error instanceof MissingVariableError) {
      return { status: 0, statusOk: false, capturedAll: false };
    }
    throw error;
  }

  const tokenSent = request.withToken === true ? user.variables[tokenVariableName] : undefined;
  user.requestsSent += 1;
  const response = await http.asyncRequest(request.method, url, body, {
    headers,
    tags,
    timeout: `${user.context.requestTimeoutMs ?? 60000}ms`,
  });
  const statusOk = isExpectedStatus(response.status, request.expectStatus);

  let capturedAll = true;
  if (statusOk && request.capture !== undefined) {
    const bodyText = typeof response.body === 'string' ? response.body : null;
    for (const [name, source] of Object.entries(request.capture)) {
      const value = readCapture(source, { bodyText, headers: response.headers });
      if (value === undefined) {
        capturedAll = false;
      } else {
        user.variables[name] = value;
      }
    }
  }
  return { status: response.status, statusOk, capturedAll, tokenSent };
}

function renderHeaders(request: RequestSpec, variables: Readonly<Record<string, string>>, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  if (hasBody) {
    headers['Content-Type'] = 'application/json';
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name] = renderTemplate(value, variables);
  }
  if (request.withToken === true) {
    headers.Authorization = `Bearer ${renderTemplate(`{{${tokenVariableName}}}`, variables)}`;
  }
  return headers;
}

function describeExpected(expected: readonly number[] | undefined): string {
  return expected === undefined ? '2xx' : expected.join(' or ');
}
