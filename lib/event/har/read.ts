// Reading HTTP Archive (HAR 1.2) files: only the fields the importer uses, checked as they are read.
import { HerdUserError } from '../../user-error.ts';

/** A name/value pair as HAR stores headers and query parameters. */
export interface HarPair {
  name: string;
  value: string;
}

/** One request and its response, with times in ms since the epoch. */
export interface HarExchange {
  /** Position in the file's `log.entries`, for messages. */
  index: number;
  startMs: number;
  endMs: number;
  method: string;
  url: URL;
  requestHeaders: HarPair[];
  /** The request body and its MIME type, when the request had one. */
  postData?: { mimeType: string; text: string };
  status: number;
  responseHeaders: HarPair[];
  /** The response body as text, when the capture kept it (base64 bodies are decoded). */
  responseText?: string;
}

const maxListedProblems = 10;

/**
 * Parses HAR text into exchanges sorted by start time. Throws a HerdUserError (HAR_INVALID)
 * naming the file and up to 10 malformed entries with the field that is wrong.
 */
export function readHar(text: string, fileLabel: string): HarExchange[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new HerdUserError('HAR_INVALID', `${fileLabel} is not valid HAR: it is not JSON (${(error as Error).message}). Export the capture again as HAR from the browser or proxy.`);
  }
  const entries = (document as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) {
    throw new HerdUserError('HAR_INVALID', `${fileLabel} is not valid HAR: log.entries is missing or not a list. A HAR file is a JSON object with log.entries.`);
  }

  const problems: string[] = [];
  const exchanges: HarExchange[] = [];
  entries.forEach((entry: unknown, index) => {
    const exchange = readEntry(entry, index, problems);
    if (exchange !== undefined) {
      exchanges.push(exchange);
    }
  });
  if (problems.length > 0) {
    const listed = problems.slice(0, maxListedProblems).map((problem) => `  ${problem}`).join('\n');
    const more = problems.length > maxListedProblems ? `\n  … and ${problems.length - maxListedProblems} more` : '';
    throw new HerdUserError('HAR_INVALID', `${fileLabel} is not valid HAR:\n${listed}${more}`);
  }
  return exchanges.sort((a, b) => a.startMs - b.startMs || a.index - b.index);
}

function readEntry(entry: unknown, index: number, problems: string[]): HarExchange | undefined {
  const at = `log.entries[${index}]`;
  const record = asRecord(entry);
  const request = asRecord(record?.request);
  const response = asRecord(record?.response);
  const startMs = Date.parse(String(record?.startedDateTime));
  const timeMs = Number(record?.time);
  let url: URL | undefined;
  try {
    url = new URL(String(request?.url));
  } catch {
    // Reported below as an invalid request.url; the other checks still run.
    url = undefined;
  }

  const before = problems.length;
  if (record === undefined) problems.push(`${at}: must be an object`);
  if (!Number.isFinite(startMs)) problems.push(`${at}.startedDateTime: must be an ISO 8601 date, got ${JSON.stringify(record?.startedDateTime)}`);
  if (!Number.isFinite(timeMs) || timeMs < 0) problems.push(`${at}.time: must be a number of ms >= 0, got ${JSON.stringify(record?.time)}`);
  if (typeof request?.method !== 'string') problems.push(`${at}.request.method: missing`);
  if (url === undefined) problems.push(`${at}.request.url: must be an absolute URL`);
  if (typeof response?.status !== 'number') problems.push(`${at}.response.status: must be a number`);
  if (problems.length > before || url === undefined) {
    return undefined;
  }

  const content = asRecord(response?.content);
  const postData = asRecord(request?.postData);
  const exchange: HarExchange = {
    index,
    startMs,
    endMs: startMs + timeMs,
    method: String(request?.method).toUpperCase(),
    url,
    requestHeaders: readPairs(request?.headers),
    status: Number(response?.status),
    responseHeaders: readPairs(response?.headers),
  };
  if (typeof postData?.text === 'string') {
    exchange.postData = { mimeType: String(postData.mimeType ?? ''), text: postData.text };
  }
  if (typeof content?.text === 'string') {
    exchange.responseText = content.encoding === 'base64' ? Buffer.from(content.text, 'base64').toString('utf8') : content.text;
  }
  return exchange;
}

function readPairs(value: unknown): HarPair[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .map((item) => asRecord(item))
    .filter((item): item is Record<string, unknown> => item !== undefined && typeof item.name === 'string')
    .map((item) => ({ name: String(item.name), value: String(item.value ?? '') }));
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
