import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostic.ts';
import { formatValue } from './diagnostic.ts';
import type { YamlSource } from './yaml-source.ts';

/** Which published schema a file is checked against. */
export type FileKind = 'event' | 'bundle';

const schemaUrls: Record<FileKind, URL> = {
  event: new URL('../../schema/event-file.schema.json', import.meta.url),
  bundle: new URL('../../schema/bundle-file.schema.json', import.meta.url),
};

const validators = new Map<FileKind, ValidateFunction>();

function getValidator(kind: FileKind): ValidateFunction {
  let validator = validators.get(kind);
  if (validator === undefined) {
    // verbose keeps each error's parent schema, whose description explains the rule to the user.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    validator = ajv.compile(JSON.parse(readFileSync(schemaUrls[kind], 'utf8')) as object);
    validators.set(kind, validator);
  }
  return validator;
}

/** Checks parsed YAML against the event or bundle schema and returns every violation with its position. */
export function checkAgainstSchema(source: YamlSource, kind: FileKind): Diagnostic[] {
  const validator = getValidator(kind);
  if (validator(source.data)) {
    return [];
  }
  // `if` errors only repeat that a `then` branch failed; the branch's own errors say why.
  const errors = (validator.errors ?? []).filter((error) => error.keyword !== 'if');
  return errors.map((error) => toDiagnostic(source, error));
}

function toDiagnostic(source: YamlSource, error: ErrorObject): Diagnostic {
  const path = parsePointer(error.instancePath);
  const parentSchema = (error.parentSchema ?? {}) as { description?: string; properties?: Record<string, unknown> };
  const params = error.params as Record<string, unknown>;

  if (error.keyword === 'required') {
    const missing = String(params.missingProperty);
    const allowedValues = (parentSchema.properties?.[missing] as { enum?: unknown[] } | undefined)?.enum;
    return {
      file: source.file,
      ...source.locate(path),
      fieldPath: joinPath([...path, missing]),
      rule: `missing required field "${missing}"`,
      hint: allowedValues === undefined ? `Add "${missing}".` : `Add "${missing}": one of ${allowedValues.map((value) => String(value)).join(', ')}.`,
    };
  }
  if (error.keyword === 'additionalProperties') {
    const unknown = String(params.additionalProperty);
    const allowed = Object.keys(parentSchema.properties ?? {});
    const closest = findClosest(unknown, allowed);
    return {
      file: source.file,
      ...source.locate([...path, unknown], 'key'),
      fieldPath: joinPath([...path, unknown]),
      rule: 'unknown field',
      hint: closest === undefined
        ? `Remove it. Allowed fields here: ${allowed.join(', ')}.`
        : `Did you mean "${closest}"? Allowed fields here: ${allowed.join(', ')}.`,
    };
  }
  const rule = describeRule(error, parentSchema.description);
  return {
    file: source.file,
    ...source.locate(path),
    fieldPath: joinPath(path),
    rule,
    value: formatValue(error.data),
    // The field's description from the types tells what the value means; skip it when it is the rule itself.
    hint: error.keyword === 'not' ? undefined : parentSchema.description,
  };
}

function describeRule(error: ErrorObject, description: string | undefined): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${params.type === 'integer' ? 'an integer' : `of type ${String(params.type)}`}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'pattern':
      return `must match the pattern ${String(params.pattern)}`;
    case 'not':
      // The schema's description of the rule is a sentence; here it continues the field path.
      return description === undefined ? 'is not allowed here' : lowerFirst(description.replace(/\.$/, ''));
    default:
      // minimum, maximum, minItems, minLength and the like: ajv's wording ("must be >= 1") is already plain.
      return error.message ?? `breaks the schema rule "${error.keyword}"`;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Turns a JSON Pointer such as `/platforms/web~1app/share` into path segments. */
function parsePointer(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Joins path segments as a dotted field path, writing array indexes as `steps[2]`. */
export function joinPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const segment of path) {
    const isIndex = typeof segment === 'number' || /^\d+$/.test(segment);
    text += isIndex ? `[${segment}]` : text === '' ? String(segment) : `.${segment}`;
  }
  return text;
}

/** Returns the allowed name within edit distance 2 of `name`, for "did you mean" hints. */
function findClosest(name: string, allowed: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
