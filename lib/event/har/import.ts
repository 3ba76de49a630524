// Turns a HAR capture into a bundle: the requests to one origin, in the order and parallelism
// they were sent, with tokens and repeated ids turned into variables and secrets scrubbed.
import { stringify } from 'yaml';
import { runtimeVariableNames, tokenVariableName } from '../../bundle/template.ts';
import { listPlaceholders, listPlaceholdersDeep } from '../../bundle/template.ts';
import { isSensitiveParameterName } from '../../safety/index.ts';
import { HerdUserError } from '../../user-error.ts';
import { formatDiagnostics } from '../diagnostic.ts';
import { checkBundleVariables } from '../rules.ts';
import { checkAgainstSchema } from '../schema-check.ts';
import type { BundleFile, HttpMethod, RequestSpec } from '../types.ts';
import { parseYamlSource } from '../yaml-source.ts';
import { readHar, type HarExchange } from './read.ts';
import { isKeptHeader, ScrubLog, scrubEmails, scrubJsonBody, toVariableName } from './scrub.ts';
import { groupBySteps, type TimedRequest } from './steps.ts';

/** Settings of `importHar`. */
export interface HarImportOptions {
  /** Platform the bundle is for; also the default bundle name. Example: `mobile`. */
  platform: string;
  /** Bundle name. Default: the platform. */
  name?: string;
  /** Origin whose requests become the bundle, such as `https://app.example.test`. Default: the origin with the most requests. */
  origin?: string;
  /** A gap between steps at least this long becomes a pause step, in ms. Default: 1000. */
  pauseThresholdMs?: number;
  /** Path of the bundle schema relative to the output file, for editors. Default: no schema line. */
  schemaPath?: string;
  /** The file name used in messages and in the bundle's description. */
  fileLabel: string;
}

/** The import's account of what it kept, changed and removed: descriptions and counts, never a removed value. */
export interface HarImportReport {
  origin: string;
  requestsKept: number;
  /** Host → requests left out because they went to another origin. */
  otherOrigins: Record<string, number>;
  /** Requests dropped because they only followed a redirect, which the HTTP client does by itself. */
  redirectsFolded: number;
  removed: Array<{ description: string; count: number }>;
  /** Variables captured from responses, as `name ← request (source)`. */
  captures: string[];
  /** Placeholders the event must define in its `vars`. Their values are not copied from the capture. */
  eventVariables: string[];
}

/** The result of `importHar`: the bundle, its YAML text ready to write, and the report. */
export interface HarImport {
  bundle: BundleFile;
  yamlText: string;
  report: HarImportReport;
}

const validIdPattern = /^(?=.*\d)[A-Za-z0-9_-]{2,}$/;
const allowedMethods = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const minCapturedValueLength = 8;

/**
 * Imports a HAR capture as a bundle. Throws HerdUserError for a capture that is not valid HAR or
 * has no request to the chosen origin, and before writing anything when a removed secret would
 * still appear in the output.
 */
export function importHar(harText: string, options: HarImportOptions): HarImport {
  const exchanges = readHar(harText, options.fileLabel);
  const origin = chooseOrigin(exchanges, options);
  const otherOrigins: Record<string, number> = {};
  for (const exchange of exchanges.filter((candidate) => candidate.url.origin !== origin)) {
    otherOrigins[exchange.url.host] = (otherOrigins[exchange.url.host] ?? 0) + 1;
  }
  const sameOrigin = exchanges.filter((exchange) => exchange.url.origin === origin && allowedMethods.has(exchange.method));
  const { kept, finalStatus, foldedCount } = foldRedirects(sameOrigin);

  const log = new ScrubLog();
  const captures = new CaptureTable();
  const idVariables = findRepeatedIds(kept);
  const requests = kept.map((exchange) => toTimedRequest(exchange, exchanges, finalStatus.get(exchange) ?? exchange.status, idVariables, captures, log));
  captures.applyTo(requests);

  const steps = groupBySteps(requests, options.pauseThresholdMs ?? 1000);
  const bundle: BundleFile = {
    name: toBundleName(options.name ?? options.platform),
    description: `Imported from ${options.fileLabel} for the ${options.platform} platform (${requests.length} requests).`,
    steps,
  };
  const yamlText = renderBundleYaml(bundle, options.fileLabel, options.schemaPath);
  checkOutput(yamlText, log);

  return {
    bundle,
    yamlText,
    report: {
      origin,
      requestsKept: requests.length,
      otherOrigins,
      redirectsFolded: foldedCount,
      removed: [...log.counts].map(([description, count]) => ({ description, count })),
      captures: captures.describe(),
      eventVariables: listEventVariables(bundle),
    },
  };
}

function chooseOrigin(exchanges: readonly HarExchange[], options: HarImportOptions): string {
  if (options.origin !== undefined) {
    const origin = new URL(options.origin).origin;
    if (!exchanges.some((exchange) => exchange.url.origin === origin)) {
      const seen = [...new Set(exchanges.map((exchange) => exchange.url.origin))].join(', ');
      throw new HerdUserError('HAR_EMPTY', `${options.fileLabel} has no request to ${origin}. Origins in the capture: ${seen || 'none'}.`);
    }
    return origin;
  }
  const counts = new Map<string, number>();
  for (const exchange of exchanges) {
    counts.set(exchange.url.origin, (counts.get(exchange.url.origin) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (best === undefined) {
    throw new HerdUserError('HAR_EMPTY', `${options.fileLabel} has no requests (log.entries is empty). Record the capture again with the page or app in use.`);
  }
  return best[0];
}

/**
 * Drops each request that only followed a redirect of an earlier one (the next request to the
 * Location URL), because k6 follows redirects itself. The first request then expects the status
 * at the end of the chain.
 */
function foldRedirects(exchanges: readonly HarExchange[]): { kept: HarExchange[]; finalStatus: Map<HarExchange, number>; foldedCount: number } {
  const followedBy = new Map<HarExchange, HarExchange>();
  const folded = new Set<HarExchange>();
  exchanges.forEach((exchange, index) => {
    const location = exchange.responseHeaders.find((header) => header.name.toLowerCase() === 'location')?.value;
    if (exchange.status < 300 || exchange.status > 399 || location === undefined) {
      return;
    }
    const target = new URL(location, exchange.url).href;
    const next = exchanges.slice(index + 1).find((candidate) => !folded.has(candidate) && candidate.url.href === target);
    if (next !== undefined) {
      followedBy.set(exchange, next);
      folded.add(next);
    }
  });

  const finalStatus = new Map<HarExchange, number>();
  for (const exchange of exchanges) {
    let last = exchange;
    for (let hops = 0; followedBy.has(last) && hops < exchanges.length; hops++) {
      last = followedBy.get(last) as HarExchange;
    }
    finalStatus.set(exchange, last.status);
  }
  return { kept: exchanges.filter((exchange) => !folded.has(exchange)), finalStatus, foldedCount: folded.size };
}

/** Path segments that look like ids (contain a digit, no dot) and appear in two or more requests, by value → variable name. */
function findRepeatedIds(exchanges: readonly HarExchange[]): Map<string, string> {
  const requestsBySegment = new Map<string, { count: number; previous: string }>();
  for (const exchange of exchanges) {
    const segments = exchange.url.pathname.split('/');
    const seen = new Set<string>();
    segments.forEach((segment, index) => {
      if (!validIdPattern.test(segment) || seen.has(segment)) {
        return;
      }
      seen.add(segment);
      const entry = requestsBySegment.get(segment) ?? { count: 0, previous: segments[index - 1] ?? '' };
      entry.count += 1;
      requestsBySegment.set(segment, entry);
    });
  }

  const variables = new Map<string, string>();
  const taken = new Set<string>([...runtimeVariableNames, tokenVariableName]);
  for (const [segment, { count, previous }] of requestsBySegment) {
    if (count < 2) {
      continue;
    }
    const base = previous === '' ? 'id' : `${toVariableName(singular(decodeURIComponent(previous)))}Id`;
    variables.set(segment, uniqueName(base, taken));
  }
  return variables;
}

function toTimedRequest(
  exchange: HarExchange,
  allExchanges: readonly HarExchange[],
  status: number,
  idVariables: ReadonlyMap<string, string>,
  captures: CaptureTable,
  log: ScrubLog,
): TimedRequest {
  const path = exchange.url.pathname
    .split('/')
    .map((segment) => (idVariables.has(segment) ? `{{${idVariables.get(segment)}}}` : segment))
    .join('/');
  const request: RequestSpec = {
    name: deriveRequestName(exchange.method, path),
    method: exchange.method as HttpMethod,
    path: `${scrubEmails(path, log)}${scrubQuery(exchange.url.searchParams, log)}`,
  };

  const headers = scrubHeaders(exchange, allExchanges, request, captures, log);
  if (Object.keys(headers).length > 0) {
    request.headers = headers;
  }
  const body = scrubBody(exchange, idVariables, log);
  if (body !== undefined) {
    request.body = body;
  }
  if (status < 200 || status > 299) {
    request.expectStatus = [status];
  }
  request.expectedLatencyMs = Math.round(exchange.endMs - exchange.startMs);
  return { request, exchange };
}

function scrubQuery(parameters: URLSearchParams, log: ScrubLog): string {
  const kept: string[] = [];
  for (const [name, value] of parameters) {
    if (isSensitiveParameterName(name)) {
      log.record(`query parameter "${name}" removed`, value);
      continue;
    }
    kept.push(`${encodeURIComponent(name)}=${scrubEmails(value, log).split('{{').map(encodeURIComponent).join('{{').replace(/%7D%7D/g, '}}')}`);
  }
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

/**
 * Keeps application headers (`X-…`) without credentials. An Authorization bearer token that an
 * earlier response issued becomes `withToken` with the token captured from that response. Any
 * other credential header is removed.
 */
function scrubHeaders(exchange: HarExchange, allExchanges: readonly HarExchange[], request: RequestSpec, captures: CaptureTable, log: ScrubLog): Record<string, string> {
  const headers: Record<string, string> = {};
  let browserHeaders = 0;
  for (const { name, value } of exchange.requestHeaders) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && /^bearer\s+/i.test(value)) {
      const token = value.replace(/^bearer\s+/i, '');
      log.removedValues.add(token);
      if (captures.captureToken(token, exchange, allExchanges)) {
        request.withToken = true;
      } else {
        log.record('Authorization header removed (its token was not issued inside the capture)', token);
      }
    } else if (lower === 'cookie') {
      log.record('Cookie header removed', value);
      for (const cookie of value.split(';')) {
        log.removedValues.add(cookie.slice(cookie.indexOf('=') + 1).trim());
      }
    } else if (isKeptHeader(name)) {
      headers[name] = scrubEmails(value, log);
    } else if (/^(proxy-)?authorization$|api[-_]?key|token|secret|session|passw/i.test(lower)) {
      log.record(`${name} header removed`, value);
    } else {
      browserHeaders += 1;
    }
  }
  log.count('browser and transport headers dropped (User-Agent, Accept, …)', browserHeaders);
  return headers;
}

function scrubBody(exchange: HarExchange, idVariables: ReadonlyMap<string, string>, log: ScrubLog): unknown {
  const postData = exchange.postData;
  if (postData === undefined || postData.text === '') {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(postData.text);
  } catch {
    // Bundles send JSON bodies only, so a form or binary body cannot be kept.
    log.record('non-JSON request body dropped (bundles send JSON bodies only)', postData.text);
    return undefined;
  }
  return replaceIds(scrubJsonBody(parsed, log), idVariables);
}

function replaceIds(value: unknown, idVariables: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return idVariables.has(value) ? `{{${idVariables.get(value)}}}` : value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => replaceIds(item, idVariables));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceIds(item, idVariables)]));
  }
  return value;
}

/**
 * Bearer tokens that an earlier JSON response issued, each with the response and field it came
 * from. A token shorter than 8 characters is not searched for, to avoid matching by chance.
 */
class CaptureTable {
  private readonly byValue = new Map<string, { variable: string; source: HarExchange; jsonPath: string }>();
  private readonly taken = new Set<string>([...runtimeVariableNames]);

  /** Records that `token` came from an earlier JSON response; returns false when no response issued it. */
  captureToken(token: string, user: HarExchange, allExchanges: readonly HarExchange[]): boolean {
    if (this.byValue.has(token)) {
      return true;
    }
    for (const source of allExchanges) {
      if (source.endMs > user.startMs) {
        break;
      }
      const jsonPath = findJsonPath(source.responseText, token);
      if (jsonPath !== undefined) {
        this.taken.add(tokenVariableName);
        this.byValue.set(token, { variable: tokenVariableName, source, jsonPath });
        return true;
      }
    }
    return false;
  }

  /** Adds each request's `capture` for the values it is the source of. */
  applyTo(requests: readonly TimedRequest[]): void {
    for (const { variable, source, jsonPath } of this.byValue.values()) {
      const owner = requests.find((timed) => timed.exchange === source);
      if (owner !== undefined) {
        owner.request.capture = { ...(owner.request.capture ?? {}), [variable]: `json:${jsonPath}` };
      }
    }
  }

  describe(): string[] {
    return [...this.byValue.values()].map(({ variable, source, jsonPath }) => `${variable} ← ${source.method} ${source.url.pathname} (json:${jsonPath})`);
  }
}

/** Finds the dotted path of a string leaf equal to `value` in a JSON text. */
function findJsonPath(text: string | undefined, value: string): string | undefined {
  if (text === undefined || value.length < minCapturedValueLength) {
    return undefined;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // A response that is not JSON issues nothing the player can capture with `json:`.
    return undefined;
  }
  const search = (node: unknown, path: string[]): string[] | undefined => {
    if (node === value) {
      return path;
    }
    if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const found = search(child, [...path, key]);
        if (found !== undefined) {
          return found;
        }
      }
    }
    return undefined;
  };
  const path = search(document, []);
  return path === undefined || path.length === 0 ? undefined : path.join('.');
}

/** Derives a request name from its path, `GET /api/events/{{eventId}}/chat` → `events-chat`, or from the method when the path has no words. */
function deriveRequestName(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'api' && !segment.includes('{{') && !segment.includes('.') && !/^v\d+$/.test(segment))
    .map((segment) => segment.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''))
    .filter((word) => word !== '');
  return words.length === 0 ? method.toLowerCase() : words.join('-');
}

function toBundleName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '');
  return name === '' ? 'imported' : name;
}

function singular(word: string): string {
  if (/ies$/.test(word)) {
    return `${word.slice(0, -3)}y`;
  }
  return word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) {
    name = `${base}${suffix}`;
  }
  taken.add(name);
  return name;
}

function renderBundleYaml(bundle: BundleFile, fileLabel: string, schemaPath: string | undefined): string {
  const header = [
    `# Imported by herd import-har from ${fileLabel}. Every request counts as essential:`,
    '# mark the ones a user can do without with `essential: false`.',
  ];
  if (schemaPath !== undefined) {
    header.unshift(`# yaml-language-server: $schema=${schemaPath}`);
  }
  return `${header.join('\n')}\n${stringify(bundle, { lineWidth: 0 })}`;
}

/** Checks the output before anything is written: valid against the schema, and free of every removed value. */
function checkOutput(yamlText: string, log: ScrubLog): void {
  for (const value of log.removedValues) {
    if (value.length >= 4 && yamlText.includes(value)) {
      throw new HerdUserError(
        'HAR_SECRET_LEFT',
        'a value removed as a credential or personal data also appears elsewhere in the capture (for example in a URL path), so nothing was written. Remove it from the HAR file and import again.',
      );
    }
  }
  const source = parseYamlSource('imported bundle', yamlText);
  const diagnostics = [...source.syntaxDiagnostics, ...checkAgainstSchema(source, 'bundle')];
  if (diagnostics.length === 0) {
    diagnostics.push(...checkBundleVariables(source, source.data as BundleFile, undefined));
  }
  if (diagnostics.length > 0) {
    throw new Error(`herd import-har produced an invalid bundle:\n${formatDiagnostics(diagnostics)}`);
  }
}

function listEventVariables(bundle: BundleFile): string[] {
  const captured = new Set<string>();
  const used = new Set<string>();
  const visit = (request: RequestSpec) => {
    for (const name of [...listPlaceholders(request.path), ...Object.values(request.headers ?? {}).flatMap(listPlaceholders), ...listPlaceholdersDeep(request.body)]) {
      used.add(name);
    }
    for (const name of Object.keys(request.capture ?? {})) {
      captured.add(name);
    }
  };
  for (const step of bundle.steps) {
    if ('request' in step) {
      visit(step.request);
    } else if ('parallel' in step) {
      step.parallel.steps.forEach((inner) => visit(inner.request));
    }
  }
  const runtime = new Set<string>(runtimeVariableNames);
  return [...used].filter((name) => !captured.has(name) && !runtime.has(name)).sort();
}

