// Placeholders and captures. Pure functions with no k6 or Node imports, so the bundle player,
// the event loader and the tests share them.

/** Names the player defines for every user before the first step, besides the event's `vars`. */
export const runtimeVariableNames = ['refreshToken', 'userId', 'platform'] as const;

/** The variable a `withToken` request sends as `Authorization: Bearer …`. */
export const tokenVariableName = 'token';

const placeholderPattern = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** A placeholder whose variable has no value when the request is rendered. */
export class MissingVariableError extends Error {
  readonly variableName: string;

  constructor(variableName: string) {
    super(`no value for {{${variableName}}}: define it in the event's vars or capture it in an earlier step`);
    this.name = 'MissingVariableError';
    this.variableName = variableName;
  }
}

/** Lists the variable names used as `{{name}}` in a string, in order of appearance. */
export function listPlaceholders(text: string): string[] {
  // An exec loop instead of matchAll, which the JavaScript runtime of older k6 releases may lack.
  const pattern = new RegExp(placeholderPattern.source, 'g');
  const names: string[] = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    names.push(match[1]);
  }
  return names;
}

/** Lists the placeholder names in every string inside a JSON-like value (keys are not templated). */
export function listPlaceholdersDeep(value: unknown): string[] {
  if (typeof value === 'string') {
    return listPlaceholders(value);
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => listPlaceholdersDeep(item));
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).flatMap((item) => listPlaceholdersDeep(item));
  }
  return [];
}

/** Replaces each `{{name}}` in `text` by its value; throws MissingVariableError for a name without one. */
export function renderTemplate(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(placeholderPattern, (_placeholder, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      throw new MissingVariableError(name);
    }
    return value;
  });
}

/** Renders every string inside a JSON-like value, keeping its shape; object keys stay as written. */
export function renderDeep(value: unknown, variables: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return renderTemplate(value, variables);
  }
  if (Array.isArray(value)) {
    return value.map((item) => renderDeep(item, variables));
  }
  if (value !== null && typeof value === 'object') {
    const rendered: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      rendered[key] = renderDeep(item, variables);
    }
    return rendered;
  }
  return value;
}

/** The parts of an HTTP response that captures read. */
export interface CapturedResponse {
  /** The body as text; `null` when the request failed before a response arrived. */
  bodyText: string | null;
  /** Header name → value, in whatever case the HTTP client reports. */
  headers: Readonly<Record<string, string>>;
}

/**
 * Reads one captured value: `json:a.b.0.c` walks the JSON body by keys and array indexes,
 * `header:Name` reads a header (names compared without case). Numbers and booleans become text.
 * Returns undefined when the body is not JSON or the field or header is absent.
 */
export function readCapture(source: string, response: CapturedResponse): string | undefined {
  if (source.startsWith('header:')) {
    const wanted = source.slice('header:'.length).toLowerCase();
    const entry = Object.entries(response.headers).find(([name]) => name.toLowerCase() === wanted);
    return entry === undefined ? undefined : entry[1];
  }
  if (!source.startsWith('json:') || response.bodyText === null) {
    return undefined;
  }

  let current: unknown;
  try {
    current = JSON.parse(response.bodyText);
  } catch {
    // A body that is not JSON simply has nothing to capture; the caller counts the capture as missing.
    return undefined;
  }
  for (const key of source.slice('json:'.length).split('.')) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  if (typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean') {
    return String(current);
  }
  return undefined;
}
