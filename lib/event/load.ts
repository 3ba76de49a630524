import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Papa from 'papaparse';
import { createArrivalCurve, parseTraceCsv } from '../arrival/index.ts';
import { HerdUserError } from '../user-error.ts';
import type { Diagnostic } from './diagnostic.ts';
import { formatDiagnostics } from './diagnostic.ts';
import { displayPath, readBundleSource, resolveIncludePath, type IncludeReporter } from './bundle-source.ts';
import { checkEventRules } from './rules.ts';
import { checkAgainstSchema, type FileKind } from './schema-check.ts';
import type { BundleFile, EventFile, LoadedEvent, TraceArrivalSpec, UserPoolSpec } from './types.ts';
import { parseYamlSource, type YamlSource } from './yaml-source.ts';

/** The outcome of checking one file: its data when valid, and every problem found. */
interface CheckedFile<T> {
  data: T | undefined;
  source: YamlSource | undefined;
  diagnostics: Diagnostic[];
}

/**
 * Reads an event file and every bundle it names (paths relative to the event file), validates
 * them, and returns the event with its bundles inlined. Throws one HerdUserError that lists every
 * problem of every file, each with file:line:column, the field, the rule and the fix.
 */
export function loadEvent(eventPath: string): LoadedEvent {
  const displayedEventPath = displayPath(eventPath);
  const text = readUserFile(eventPath, 'event file', 'EVENT_NOT_FOUND');
  const event = checkFile<EventFile>(displayedEventPath, text, 'event');
  const diagnostics = [...event.diagnostics];
  if (event.source !== undefined) {
    diagnostics.push(...checkEventRules(event.source, event.source.data));
  }

  const eventDirectory = dirname(eventPath);
  const eventVariableNames = Object.keys(readObject(event.source?.data, 'vars'));
  const userPool = event.data?.userPool;
  if (userPool !== undefined && event.source !== undefined) {
    const pool = readUserPool(event.source, resolve(eventDirectory, userPool.file), userPool);
    diagnostics.push(...pool.diagnostics);
    eventVariableNames.push(...pool.columns);
  }
  const platforms: LoadedEvent['platforms'] = {};
  for (const [platformName, platform] of Object.entries(readObject(event.source?.data, 'platforms'))) {
    const bundlePath = platform !== null && typeof platform === 'object' ? (platform as { bundle?: unknown }).bundle : undefined;
    if (typeof bundlePath !== 'string' || event.source === undefined) {
      continue;
    }
    const source = event.source;
    const fieldPath = ['platforms', platformName, 'bundle'];
    const reportHere: IncludeReporter = (rule, hint) => ({ file: source.file, ...source.locate(fieldPath), fieldPath: fieldPath.join('.'), rule, hint });
    const bundle = readBundleSource(resolveIncludePath(eventDirectory, bundlePath), eventVariableNames, reportHere);
    diagnostics.push(...bundle.diagnostics);
    if (bundle.bundle !== undefined) {
      platforms[platformName] = { share: (platform as { share: number }).share, bundlePath, bundle: bundle.bundle };
    }
  }

  let traceArrivalSeconds: number[] | undefined;
  if (event.data?.arrival.model === 'trace' && event.source !== undefined) {
    const trace = readTrace(event.source, resolve(eventDirectory, event.data.arrival.file), event.data.arrival);
    diagnostics.push(...trace.diagnostics);
    traceArrivalSeconds = trace.arrivalSeconds;
  }

  if (diagnostics.length === 0 && event.source !== undefined && event.data !== undefined) {
    diagnostics.push(...checkArrivalCurve(event.source, event.data, traceArrivalSeconds));
  }
  throwIfAny(diagnostics, displayedEventPath, true);
  const { platforms: _writtenPlatforms, ...rest } = event.data as EventFile;
  return traceArrivalSeconds === undefined ? { ...rest, platforms } : { ...rest, platforms, traceArrivalSeconds };
}

/**
 * Builds the event's arrival curve once, so that a problem only the arrival model finds (a sigma
 * above the limit, arrivals past 24 hours) is reported at its line in the event file.
 */
function checkArrivalCurve(source: YamlSource, event: EventFile, traceArrivalSeconds: readonly number[] | undefined): Diagnostic[] {
  try {
    createArrivalCurve(event.arrival, event.users, traceArrivalSeconds);
    return [];
  } catch (error) {
    if (!(error instanceof HerdUserError) || error.code !== 'ARRIVAL_INVALID') throw error;
    // Each problem is a line "  - field: rule"; the field is written as the event file spells it.
    const problems = error.message.split('\n').filter((line) => line.startsWith('  - '));
    return problems.map((line) => {
      const text = line.slice(4);
      const colon = text.indexOf(': ');
      const field = colon < 0 ? 'arrival' : text.slice(0, colon).replace(/ \(.*\)$/, '');
      const path = field.split(/[.[\]]+/).filter((segment) => segment !== '' && segment !== '*');
      return { file: source.file, ...source.locate(path), fieldPath: field, rule: colon < 0 ? text : text.slice(colon + 2) };
    });
  }
}

/**
 * Reads and validates one bundle file. With `eventVariableNames`, every placeholder must be one of
 * them, a per-user variable or an earlier capture. Without them, uncaptured placeholders are taken
 * to be event variables. Throws a HerdUserError listing every problem.
 */
export function loadBundle(bundlePath: string, eventVariableNames?: readonly string[]): BundleFile {
  const displayedPath = displayPath(bundlePath);
  readUserFile(bundlePath, 'bundle file', 'BUNDLE_NOT_FOUND');
  const reportHere: IncludeReporter = (rule, hint) => ({ file: displayedPath, line: 0, column: 0, fieldPath: '', rule, hint });
  const reading = readBundleSource(bundlePath, eventVariableNames, reportHere);
  throwIfAny(reading.diagnostics, displayedPath, false);
  return reading.bundle as BundleFile;
}

/** Parses YAML text and checks it against the event or bundle schema. */
export function checkFile<T>(displayedPath: string, text: string, kind: FileKind): CheckedFile<T> {
  const source = parseYamlSource(displayedPath, text);
  if (source.syntaxDiagnostics.length > 0) {
    return { data: undefined, source: undefined, diagnostics: source.syntaxDiagnostics };
  }
  const diagnostics = checkAgainstSchema(source, kind);
  return { data: diagnostics.length === 0 ? (source.data as T) : undefined, source, diagnostics };
}

const maxListedPoolRows = 5;

/**
 * Reads a user pool CSV with a header row and checks that every row fills the required columns.
 * Returns the columns that become placeholders. Problems become diagnostics on `userPool.file`.
 */
function readUserPool(eventSource: YamlSource, poolPath: string, spec: UserPoolSpec): { columns: string[]; diagnostics: Diagnostic[] } {
  const fieldPath = ['userPool', 'file'];
  const fail = (rule: string, hint: string) => ({
    columns: [],
    diagnostics: [{ file: eventSource.file, ...eventSource.locate(fieldPath), fieldPath: fieldPath.join('.'), rule, hint }],
  });
  let text: string;
  try {
    text = readFileSync(poolPath, 'utf8');
  } catch (error) {
    return fail(`user pool cannot be read: ${displayPath(poolPath)} (${errorCode(error)})`, 'The path is relative to the event file.');
  }

  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: 'greedy' });
  const header = (parsed.meta.fields ?? []).filter((name) => name !== '');
  const required = spec.columns ?? header;
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    return fail(`${displayPath(poolPath)} has no column ${missing.map((column) => `"${column}"`).join(', ')} (header: ${header.join(', ') || 'empty'})`, 'Add the column to the header row, or remove it from userPool.columns.');
  }
  if (parsed.data.length === 0) {
    return fail(`${displayPath(poolPath)} has a header but no rows`, 'Add one row per user the event may admit.');
  }
  // Row numbers count the header as row 1, as a spreadsheet shows them.
  const emptyCells = parsed.data.flatMap((row, index) =>
    required.filter((column) => (row[column] ?? '').trim() === '').map((column) => `row ${index + 2} column "${column}"`),
  );
  if (emptyCells.length > 0) {
    const more = emptyCells.length > maxListedPoolRows ? ` and ${emptyCells.length - maxListedPoolRows} more` : '';
    return fail(`${displayPath(poolPath)} has empty required cells: ${emptyCells.slice(0, maxListedPoolRows).join(', ')}${more}`, 'Fill them or remove those rows.');
  }
  return { columns: required, diagnostics: [] };
}

/** Reads and parses the trace CSV of a `trace` arrival. Problems become diagnostics on `arrival.file`. */
function readTrace(eventSource: YamlSource, tracePath: string, spec: TraceArrivalSpec): { arrivalSeconds?: number[]; diagnostics: Diagnostic[] } {
  const fieldPath = ['arrival', 'file'];
  const fail = (rule: string, hint?: string) => ({
    diagnostics: [{ file: eventSource.file, ...eventSource.locate(fieldPath), fieldPath: fieldPath.join('.'), rule, hint }],
  });
  let text: string;
  try {
    text = readFileSync(tracePath, 'utf8');
  } catch (error) {
    return fail(`trace file cannot be read: ${displayPath(tracePath)} (${errorCode(error)})`, 'Trace paths are relative to the event file.');
  }
  try {
    return { arrivalSeconds: parseTraceCsv(text, spec.format, displayPath(tracePath)), diagnostics: [] };
  } catch (error) {
    if (error instanceof HerdUserError) {
      // The arrival model's heading would repeat the field's own message, so only its list stays.
      return fail(`invalid trace:${error.message.replace(/^invalid arrival model[^:]*:/, '')}`);
    }
    throw error;
  }
}

function readUserFile(path: string, description: string, code: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HerdUserError(code, `${description} cannot be read: ${displayPath(path)} (${errorCode(error)}). Check the path.`);
  }
}

function throwIfAny(diagnostics: readonly Diagnostic[], displayedPath: string, includesOtherFiles: boolean): void {
  if (diagnostics.length === 0) {
    return;
  }
  const count = diagnostics.length === 1 ? '1 problem' : `${diagnostics.length} problems`;
  const files = includesOtherFiles ? `${displayedPath} and the files it names` : displayedPath;
  throw new HerdUserError('EVENT_INVALID', `${count} in ${files}:\n${formatDiagnostics(diagnostics)}`);
}

function readObject(value: unknown, key: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object') {
    return {};
  }
  const field = (value as Record<string, unknown>)[key];
  return field !== null && typeof field === 'object' && !Array.isArray(field) ? (field as Record<string, unknown>) : {};
}

function errorCode(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : String(error);
}

/** The kind and included bundles of a file that `validateFile` found valid. */
export interface ValidatedFile {
  kind: FileKind;
  /** The bundles an event file named, relative to the event file. Empty for a bundle file. */
  bundlePaths: string[];
}

/**
 * Validates an event file with every file it names, or a bundle file on its own: a file with
 * `steps` and without `platforms` is a bundle. Throws a HerdUserError listing every problem.
 */
export function validateFile(path: string): ValidatedFile {
  const text = readUserFile(path, 'file', 'FILE_NOT_FOUND');
  const topLevel = parseYamlSource(displayPath(path), text).data;
  const isBundle = topLevel !== null && typeof topLevel === 'object' && 'steps' in topLevel && !('platforms' in topLevel);
  if (isBundle) {
    loadBundle(path);
    return { kind: 'bundle', bundlePaths: [] };
  }
  const event = loadEvent(path);
  return { kind: 'event', bundlePaths: Object.values(event.platforms).map((platform) => platform.bundlePath) };
}
