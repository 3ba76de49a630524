// Reading bundle files, including ones that extend another bundle from a relative path or from
// an installed npm package.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostic.ts';
import { checkBundleVariables } from './rules.ts';
import { checkAgainstSchema, joinPath } from './schema-check.ts';
import type { BundleExtensionFile, BundleFile, BundleSourceFile, BundleStep, RequestSpec } from './types.ts';
import { parseYamlSource, type YamlSource } from './yaml-source.ts';

/** Builds a diagnostic placed where a file was included (a platform's `bundle` or an `extends`). */
export type IncludeReporter = (rule: string, hint: string) => Diagnostic;

/** A bundle read and resolved, or the problems that kept it from being read. */
export interface BundleReading {
  bundle?: BundleFile;
  diagnostics: Diagnostic[];
}

/**
 * Resolves an included file: relative to `fromDirectory` when the path starts with `.` or `/` or
 * exists there, else as `package/path.yaml` through Node's module resolution from that folder.
 * Returns the relative candidate when neither exists, so that the read error names it.
 */
export function resolveIncludePath(fromDirectory: string, includePath: string): string {
  const local = resolve(fromDirectory, includePath);
  if (includePath.startsWith('.') || isAbsolute(includePath) || existsSync(local)) {
    return local;
  }
  try {
    // createRequire needs an absolute path, and event paths are often relative to the working folder.
    return createRequire(join(resolve(fromDirectory), 'index.js')).resolve(includePath);
  } catch (error) {
    // MODULE_NOT_FOUND: neither a relative file nor a package file, so report the relative path.
    if (error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND') {
      return local;
    }
    throw error;
  }
}

/**
 * Reads a bundle file, follows its `extends` chain and returns the resolved bundle. Checks the
 * placeholders against `eventVariableNames` (see checkBundleVariables). `chain` lists the files
 * that are extending this one, to report cycles.
 */
export function readBundleSource(
  bundlePath: string,
  eventVariableNames: readonly string[] | undefined,
  reportInclude: IncludeReporter,
  chain: readonly string[] = [],
): BundleReading {
  if (chain.includes(bundlePath)) {
    const cycle = [...chain, bundlePath].map(displayPath).join(' → ');
    return { diagnostics: [reportInclude(`extends forms a cycle: ${cycle}`, 'Remove one of the extends so that the chain ends in a bundle with steps.')] };
  }
  let text: string;
  try {
    text = readFileSync(bundlePath, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    const hint = 'Paths are relative to the including file. A path that does not start with "." may also name a file in an installed package, such as @team/herd-bundles/web.yaml.';
    return { diagnostics: [reportInclude(`bundle file cannot be read: ${displayPath(bundlePath)} (${code})`, hint)] };
  }

  const source = parseYamlSource(displayPath(bundlePath), text);
  if (source.syntaxDiagnostics.length > 0) {
    return { diagnostics: source.syntaxDiagnostics };
  }
  const schemaDiagnostics = checkAgainstSchema(source, 'bundle');
  if (schemaDiagnostics.length > 0) {
    return { diagnostics: schemaDiagnostics };
  }

  const written = source.data as BundleSourceFile;
  if (!('extends' in written)) {
    const diagnostics = checkBundleVariables(source, written, eventVariableNames);
    return diagnostics.length === 0 ? { bundle: written, diagnostics } : { diagnostics };
  }
  return readExtension(bundlePath, source, written, eventVariableNames, chain);
}

function readExtension(
  bundlePath: string,
  source: YamlSource,
  extension: BundleExtensionFile,
  eventVariableNames: readonly string[] | undefined,
  chain: readonly string[],
): BundleReading {
  const parentPath = resolveIncludePath(dirname(bundlePath), extension.extends);
  const reportHere: IncludeReporter = (rule, hint) => ({ file: source.file, ...source.locate(['extends']), fieldPath: 'extends', rule, hint });
  // The parent is checked without the event's variables, since this file may still change the requests that use them.
  const parent = readBundleSource(parentPath, undefined, reportHere, [...chain, bundlePath]);
  if (parent.bundle === undefined) {
    return parent;
  }

  const { bundle, diagnostics } = applyExtension(parent.bundle, extension, source);
  if (diagnostics.length > 0) {
    return { diagnostics };
  }
  // Steps of the resolved bundle have no place of their own in this file, so variable problems point at `extends`.
  const resolvedSource: YamlSource = { ...source, locate: () => source.locate(['extends']) };
  const variableDiagnostics = checkBundleVariables(resolvedSource, bundle, eventVariableNames).map((diagnostic) => ({
    ...diagnostic,
    rule: `${diagnostic.rule} (in the bundle that extends resolves to)`,
  }));
  return variableDiagnostics.length === 0 ? { bundle, diagnostics: [] } : { diagnostics: variableDiagnostics };
}

/** Applies an extension's `override`, `remove` and `append` to its parent bundle. */
export function applyExtension(parent: BundleFile, extension: BundleExtensionFile, source: YamlSource): { bundle: BundleFile; diagnostics: Diagnostic[] } {
  const parentNames = new Set(listRequests(parent.steps).map((request) => request.name));
  const diagnostics: Diagnostic[] = [];
  const reportUnknown = (path: (string | number)[], name: string) => {
    diagnostics.push({
      file: source.file,
      ...source.locate(path, 'key'),
      fieldPath: joinPath(path),
      rule: `no request named "${name}" in the bundle this one extends`,
      hint: `Request names there: ${[...parentNames].join(', ')}.`,
    });
  };
  const overrides = extension.override ?? {};
  for (const name of Object.keys(overrides).filter((overridden) => !parentNames.has(overridden))) {
    reportUnknown(['override', name], name);
  }
  const removed = new Set(extension.remove ?? []);
  (extension.remove ?? []).forEach((name, index) => {
    if (!parentNames.has(name)) {
      reportUnknown(['remove', index], name);
    }
  });

  const change = (request: RequestSpec): RequestSpec => ({ ...request, ...(overrides[request.name] ?? {}) });
  const steps: BundleStep[] = [];
  for (const step of parent.steps) {
    if ('request' in step) {
      if (!removed.has(step.request.name)) {
        steps.push({ request: change(step.request) });
      }
    } else if ('parallel' in step) {
      const kept = step.parallel.steps.filter((inner) => !removed.has(inner.request.name)).map((inner) => ({ request: change(inner.request) }));
      if (kept.length > 0) {
        steps.push({ parallel: { ...step.parallel, steps: kept } });
      }
    } else {
      steps.push(step);
    }
  }
  steps.push(...(extension.append ?? []));
  if (steps.length === 0 && diagnostics.length === 0) {
    diagnostics.push({
      file: source.file,
      ...source.locate(['remove']),
      fieldPath: 'remove',
      rule: 'removes every request, which leaves no step',
      hint: 'Keep at least one request, or add steps with append.',
    });
  }

  const description = extension.description ?? parent.description;
  const bundle: BundleFile = description === undefined ? { name: extension.name, steps } : { name: extension.name, description, steps };
  return { bundle, diagnostics };
}

function listRequests(steps: readonly BundleStep[]): RequestSpec[] {
  return steps.flatMap((step) => {
    if ('request' in step) {
      return [step.request];
    }
    return 'parallel' in step ? step.parallel.steps.map((inner) => inner.request) : [];
  });
}

/** Formats a path for messages: relative to the working directory when it lies below it, else as given. */
export function displayPath(path: string): string {
  const shown = relative(process.cwd(), resolve(path));
  return shown.startsWith('..') ? path : shown;
}
