/**
 * Replaces the password in a connection URL with `***`, so the URL can appear in messages and files.
 * Text that does not parse as a URL comes back with everything between `://` and `@` masked.
 */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    const query = parsed.searchParams;
    if (query.has('password')) {
      query.set('password', '***');
    }
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (for example a key=value connection string): mask the whole user-info part.
    return url.replace(/:\/\/[^@/]*@/, '://***@').replace(/password=[^\s&]*/gi, 'password=***');
  }
}

/** Removes every occurrence of each secret from `text`, such as a password echoed in a driver's error message. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length > 0) {
      redacted = redacted.split(secret).join('***');
    }
  }
  return redacted;
}

/** Returns the password of a connection URL (decoded), or an empty string when it has none or does not parse. */
export function readUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    const password = parsed.password !== '' ? decodeURIComponent(parsed.password) : (parsed.searchParams.get('password') ?? '');
    return password;
  } catch {
    return '';
  }
}
