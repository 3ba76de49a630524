// Checks that JSON Schema cannot express: sums of shares, alternative fields, and whether every
// placeholder in a bundle has a value by the time its request is sent.
import { listPlaceholders, listPlaceholdersDeep, runtimeVariableNames, tokenVariableName } from '../bundle/template.ts';
import type { Diagnostic } from './diagnostic.ts';
import { formatValue } from './diagnostic.ts';
import { joinPath } from './schema-check.ts';
import type { BundleFile, LogNormalShape, RequestSpec } from './types.ts';
import type { YamlSource } from './yaml-source.ts';

/** How far a sum of shares may stray from 1 and still count as 1 (decimal fractions in YAML round). */
const shareSumTolerance = 1e-6;

type Path = (string | number)[];

/**
 * Checks the rules of an event file that its schema cannot state. It runs on the parsed data
 * even when the schema check failed, so that all problems are reported at once, and skips each
 * rule whose fields are not of the right type (the schema check reports those).
 */
export function checkEventRules(source: YamlSource, data: unknown): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (path: Path, rule: string, value: unknown, hint: string) => {
    diagnostics.push({ file: source.file, ...source.locate(path), fieldPath: joinPath(path), rule, value: formatValue(value), hint });
  };
  const event = asRecord(data);

  const shares = Object.values(asRecord(event.platforms)).map((platform) => asRecord(platform).share);
  if (shares.length > 0 && shares.every(isNumber)) {
    const shareSum = (shares as number[]).reduce((sum, share) => sum + share, 0);
    if (Math.abs(shareSum - 1) > shareSumTolerance) {
      report(['platforms'], 'platform shares must sum to 1', roundForMessage(shareSum), 'Adjust the shares so that they add up to 1, for example 0.7 and 0.3.');
    }
  }

  const arrival = asRecord(event.arrival);
  if (arrival.model === 'lognormal') {
    checkLogNormalShape(arrival as LogNormalShape, ['arrival'], report);
  } else if (arrival.model === 'waves' && Array.isArray(arrival.waves)) {
    const waves = arrival.waves.map(asRecord);
    waves.forEach((wave, index) => checkLogNormalShape(wave as LogNormalShape, ['arrival', 'waves', index], report));
    const waveShares = waves.map((wave) => wave.share);
    if (waveShares.every(isNumber)) {
      const waveSum = (waveShares as number[]).reduce((sum, share) => sum + share, 0);
      if (Math.abs(waveSum - 1) > shareSumTolerance) {
        report(['arrival', 'waves'], 'wave shares must sum to 1', roundForMessage(waveSum), 'Adjust the shares of the waves so that they add up to 1.');
      }
    }
  }

  const baseUrl = asRecord(event.target).baseUrl;
  if (typeof baseUrl === 'string' && !isHttpUrl(baseUrl)) {
    report(['target', 'baseUrl'], 'must be an http or https URL', baseUrl, 'Write it as http://127.0.0.1:8080, without a path.');
  }
  return diagnostics;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function checkLogNormalShape(
  shape: LogNormalShape,
  path: Path,
  report: (path: Path, rule: string, value: unknown, hint: string) => void,
): void {
  const hint = 'Give two of medianSeconds, sigma and within, or within or medianSeconds alone (sigma then defaults to 0.87).';
  const { medianSeconds, sigma, within } = shape;
  if (medianSeconds !== undefined && sigma !== undefined && within !== undefined) {
    report(path, 'medianSeconds, sigma and within are all given, but the third follows from the other two', shape, hint);
  } else if (medianSeconds === undefined && within === undefined) {
    report(path, 'the log-normal shape needs medianSeconds or within', shape, hint);
  } else if (isNumber(medianSeconds) && isNumber(within?.fraction) && isNumber(within?.seconds) && (within.fraction > 0.5) !== (within.seconds > medianSeconds)) {
    // ln(within.seconds) = ln(median) + z·sigma with z the normal quantile of the fraction: sigma > 0 needs both sides of 0.5 to agree.
    report(path, 'within contradicts medianSeconds: half of the users arrive by the median', shape, 'A fraction above 0.5 needs seconds above medianSeconds, and below 0.5 below it.');
  }
}

/**
 * Checks that every `{{name}}` in a bundle, and every `withToken`, has a value when its request is
 * sent: from the event's vars, from the player's per-user variables, or from a capture in an
 * earlier step. A capture inside a parallel group becomes available only after the whole group.
 * Without `eventVariableNames` (a bundle checked on its own) any placeholder that no step captures
 * is taken to be an event variable; `withToken` is still checked.
 */
export function checkBundleVariables(source: YamlSource, bundle: BundleFile, eventVariableNames?: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const known = new Set<string>([...(eventVariableNames ?? []), ...runtimeVariableNames]);
  const isKnown = (name: string) => known.has(name) || (eventVariableNames === undefined && !isCapturedAnywhere(bundle, name));

  const checkRequest = (request: RequestSpec, path: Path) => {
    const uses: Array<{ field: Path; names: string[] }> = [
      { field: ['path'], names: listPlaceholders(request.path) },
      ...Object.entries(request.headers ?? {}).map(([name, value]) => ({ field: ['headers', name], names: listPlaceholders(value) })),
      { field: ['body'], names: listPlaceholdersDeep(request.body) },
    ];
    for (const use of uses) {
      for (const name of use.names.filter((used) => !isKnown(used))) {
        const fieldPath = [...path, 'request', ...use.field];
        diagnostics.push({
          file: source.file,
          ...source.locate(fieldPath),
          fieldPath: joinPath(fieldPath),
          rule: `{{${name}}} has no value when this request is sent`,
          hint: `Define "${name}" in the event's vars, or capture it in an earlier step (not in the same parallel group). Per-user variables: ${runtimeVariableNames.join(', ')}.`,
        });
      }
    }
    if (request.withToken === true && !known.has(tokenVariableName)) {
      const fieldPath = [...path, 'request', 'withToken'];
      diagnostics.push({
        file: source.file,
        ...source.locate(fieldPath),
        fieldPath: joinPath(fieldPath),
        rule: `withToken needs a "${tokenVariableName}" captured by an earlier step`,
        hint: `Capture it first, for example "capture: { ${tokenVariableName}: json:accessToken }" on the auth refresh.`,
      });
    }
  };

  bundle.steps.forEach((step, index) => {
    if ('request' in step) {
      checkRequest(step.request, ['steps', index]);
      addCaptures(known, step.request);
    } else if ('parallel' in step) {
      step.parallel.steps.forEach((inner, innerIndex) => checkRequest(inner.request, ['steps', index, 'parallel', 'steps', innerIndex]));
      step.parallel.steps.forEach((inner) => addCaptures(known, inner.request));
    }
  });
  return diagnostics;
}

function isCapturedAnywhere(bundle: BundleFile, name: string): boolean {
  return bundle.steps.some((step) => {
    if ('request' in step) {
      return step.request.capture?.[name] !== undefined;
    }
    return 'parallel' in step && step.parallel.steps.some((inner) => inner.request.capture?.[name] !== undefined);
  });
}

function addCaptures(known: Set<string>, request: RequestSpec): void {
  for (const name of Object.keys(request.capture ?? {})) {
    known.add(name);
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    // new URL throws a TypeError for text that is not a URL, which is exactly the case to reject.
    return false;
  }
}

function roundForMessage(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
