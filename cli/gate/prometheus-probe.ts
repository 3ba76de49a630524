import { request } from 'undici';

import { HerdUserError } from '../../lib/user-error.ts';
import { maskUrlPassword, readUrlPassword, redactSecrets } from './mask-url.ts';
import type { LoadProbe, LoadSample } from './probe.ts';

/** Settings of the Prometheus probe. */
export interface PrometheusProbeOptions {
  /** Base URL of the Prometheus HTTP API, such as `http://prometheus.internal:9090`. A user and password in it become basic auth. */
  url: string;
  /** PromQL expression that must return one number: a scalar or a vector with exactly one series. */
  query: string;
  /** Limit for each request, headers and body each (ms). */
  timeoutMs: number;
}

interface InstantQueryResponse {
  status?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

/** Reads one number per sample from a Prometheus instant query (`GET /api/v1/query`) over HTTP. */
export class PrometheusProbe implements LoadProbe {
  readonly kind = 'prometheus';
  readonly description: string;
  readonly #queryUrl: URL;
  readonly #authorization: string | undefined;
  readonly #options: PrometheusProbeOptions;
  readonly #secrets: string[];

  constructor(options: PrometheusProbeOptions) {
    this.#options = options;
    let base: URL;
    try {
      base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    } catch {
      throw new HerdUserError('GATE_FLAG_INVALID', `--prometheus ${maskUrlPassword(options.url)} is not a URL: write http://HOST:PORT of the Prometheus server.`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new HerdUserError('GATE_FLAG_INVALID', `--prometheus ${maskUrlPassword(options.url)} has the scheme "${base.protocol}": write an http:// or https:// URL.`);
    }
    const password = readUrlPassword(options.url);
    this.#secrets = [password, encodeURIComponent(password)];
    this.#authorization = base.username !== '' ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${password}`).toString('base64')}` : undefined;
    base.username = '';
    base.password = '';
    this.#queryUrl = new URL('api/v1/query', base);
    this.#queryUrl.searchParams.set('query', options.query);
    this.description = `Prometheus at ${maskUrlPassword(options.url)}, query ${JSON.stringify(options.query)}`;
  }

  async start(): Promise<void> {
    // Nothing to prepare: each sample is one independent HTTP request.
  }

  async takeSample(atMs: number): Promise<LoadSample> {
    const body = await this.#fetchJson();
    const value = readSingleNumber(body);
    if (typeof value === 'string') {
      throw this.#probeError(value);
    }
    return { atMs, metrics: { value } };
  }

  async close(): Promise<void> {
    // Requests use undici's global pool, which closes idle sockets by itself.
  }

  async #fetchJson(): Promise<InstantQueryResponse> {
    let statusCode: number;
    let text: string;
    try {
      const response = await request(this.#queryUrl, {
        method: 'GET',
        headers: this.#authorization === undefined ? {} : { authorization: this.#authorization },
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const reason = error instanceof Error ? `${error.message}${hasCode(error) ? ` (${error.code})` : ''}` : String(error);
      throw this.#probeError(`the request failed: ${reason}`);
    }

    let body: InstantQueryResponse;
    try {
      body = JSON.parse(text) as InstantQueryResponse;
    } catch {
      throw this.#probeError(`the response (HTTP ${statusCode}) is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (statusCode !== 200 || body.status !== 'success') {
      throw this.#probeError(`the query failed with HTTP ${statusCode}: ${typeof body.error === 'string' ? body.error : JSON.stringify(body).slice(0, 200)}`);
    }
    return body;
  }

  #probeError(reason: string): HerdUserError {
    return new HerdUserError('GATE_PROBE_FAILED', `Prometheus probe failed for ${this.description}: ${redactSecrets(reason, this.#secrets)}.`);
  }
}

function hasCode(error: Error): error is Error & { code: string } {
  return typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Returns the one number an instant query produced, or a sentence saying why there is none.
 * Prometheus sends sample values as strings ("12.5", "NaN", "+Inf"), and only finite numbers count.
 */
export function readSingleNumber(body: InstantQueryResponse): number | string {
  const resultType = body.data?.resultType;
  const result = body.data?.result;
  let raw: unknown;
  if (resultType === 'scalar' && Array.isArray(result)) {
    raw = result[1];
  } else if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length !== 1) {
      return `the query returned ${result.length} series, but the gate needs exactly one: aggregate it, for example with sum(...) or max(...)`;
    }
    raw = (result[0] as { value?: unknown[] }).value?.[1];
  } else {
    return `the query returned a result of type ${JSON.stringify(resultType)}, but the gate needs a scalar or a one-series vector`;
  }

  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) {
    return `the query's value ${JSON.stringify(raw)} is not a finite number`;
  }
  return value;
}
