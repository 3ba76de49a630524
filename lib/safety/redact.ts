// Redaction for everything that writes logs, results or reports. Pure TypeScript with regular
// expressions that k6's runtime accepts (no lookbehind, no sticky or unicode flags), so scenarios
// can call it inside k6 too.

/** The text that replaces a secret. */
export const REDACTED = '[REDACTED]';

const SENSITIVE_HEADER_NAMES = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token', 'x-access-token', 'x-csrf-token', 'x-xsrf-token'];

// Header, query-parameter and JSON-field names that carry credentials by convention.
const SENSITIVE_NAME_PATTERN = /token|secret|passw(or)?d|api[-_]?key|session|credential|signature|jwt|^auth$|^sig$|^code$|^key$|^pwd$/i;

/** Tells whether a header carries credentials: Authorization, Cookie, Set-Cookie, API keys, or any name containing token, secret, session or password. */
export function isSensitiveHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_HEADER_NAMES.indexOf(lower) !== -1 || SENSITIVE_NAME_PATTERN.test(lower);
}

/** Tells whether a query parameter or JSON field name carries credentials, such as `access_token`, `api_key`, `password` or `sig`. */
export function isSensitiveParameterName(name: string): boolean {
  return SENSITIVE_NAME_PATTERN.test(name);
}

/**
 * Redacts one header value. Authorization keeps its scheme (`Bearer [REDACTED]`), Cookie keeps
 * cookie names and Set-Cookie keeps the name and attributes, so a log still shows what was sent.
 * Values of other headers pass through unchanged.
 */
export function redactHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!isSensitiveHeaderName(lower)) {
    return value;
  }
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const scheme = /^([A-Za-z][A-Za-z0-9-]*) +\S/.exec(value);
    return scheme === null ? REDACTED : `${scheme[1]} ${REDACTED}`;
  }
  if (lower === 'cookie') {
    return value
      .split(';')
      .map((pair) => redactCookiePair(pair))
      .join(';');
  }
  if (lower === 'set-cookie') {
    const firstSemicolon = value.indexOf(';');
    const pair = firstSemicolon === -1 ? value : value.slice(0, firstSemicolon);
    const attributes = firstSemicolon === -1 ? '' : value.slice(firstSemicolon);
    return redactCookiePair(pair) + attributes;
  }
  return REDACTED;
}

/** Returns a copy of `headers` with every credential-carrying value redacted; see `redactHeaderValue`. */
export function redactHeaders<T extends string | string[]>(headers: Record<string, T>): Record<string, T> {
  const copy: Record<string, T> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    copy[name] = (Array.isArray(value) ? value.map((item) => redactHeaderValue(name, item)) : redactHeaderValue(name, value as string)) as T;
  }
  return copy;
}

/**
 * Redacts the values of credential-carrying query and fragment parameters (`?access_token=…`,
 * `#id_token=…`) and any user info (`user:password@`) in a URL. Other parts stay as they are.
 */
export function redactUrl(url: string): string {
  const withoutUserInfo = url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#@]*@/, `$1${REDACTED}@`);
  // A value ends at a comma too, because URLs sit inside CSV lines and raw commas are rare in tokens.
  return withoutUserInfo.replace(/([?&#;])([^=&#?\s,]+)=([^&#\s,]*)/g, (match: string, separator: string, name: string) => {
    return isSensitiveParameterName(safeDecode(name)) ? `${separator}${name}=${REDACTED}` : match;
  });
}

/**
 * Replaces every occurrence of each secret in `text`, in its raw, URL-encoded and JSON-escaped
 * forms. Longer secrets are replaced first so that a secret containing another is removed whole.
 * Empty strings are ignored.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const variants: string[] = [];
  for (const secret of secrets) {
    if (secret.length === 0) {
      continue;
    }
    for (const variant of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      if (variants.indexOf(variant) === -1) {
        variants.push(variant);
      }
    }
  }
  variants.sort((left, right) => right.length - left.length);

  let result = text;
  for (const variant of variants) {
    result = result.split(variant).join(REDACTED);
  }
  return result;
}

/**
 * Redacts credentials that have a recognisable shape in free text: `Authorization:`, `Cookie:` and
 * `Set-Cookie:` header lines, `Bearer …` tokens of 8 or more characters, credential query parameters in URLs, and JSON
 * string fields with credential names (`"accessToken": "…"`). Then redacts the listed `secrets`
 * anywhere. Use it on log lines and on files before they are written.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text.replace(/^([ \t]*)(authorization|proxy-authorization|cookie|set-cookie)([ \t]*:[ \t]*)(.*)$/gim, (match: string, indent: string, name: string, colon: string, value: string) => {
    return `${indent}${name}${colon}${redactHeaderValue(name, value)}`;
  });
  // Eight characters at least, so that prose such as "bearer token" stays readable.
  result = result.replace(/\b(bearer)([ \t]+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`);
  result = result.replace(/[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g, (url: string) => redactUrl(url));
  result = result.replace(/("([A-Za-z0-9_-]+)"[ \t]*:[ \t]*)"((?:[^"\\]|\\.)*)"/g, (match: string, prefix: string, name: string) => {
    return isSensitiveParameterName(name) || isSensitiveHeaderName(name) ? `${prefix}"${REDACTED}"` : match;
  });
  return redactSecrets(result, secrets);
}

function redactCookiePair(pair: string): string {
  const equals = pair.indexOf('=');
  if (equals === -1) {
    return pair.trim() === '' ? pair : REDACTED;
  }
  return `${pair.slice(0, equals)}=${REDACTED}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    // A malformed escape such as `%zz`: match the raw name instead.
    if (error instanceof URIError) {
      return text;
    }
    throw error;
  }
}
