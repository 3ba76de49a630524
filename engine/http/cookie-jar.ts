/** One stored cookie. Expiry and the Secure flag are kept; SameSite is ignored because there are no cross-site navigations. */
export interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  expiresAtMs: number | undefined;
  secure: boolean;
  httpOnly: boolean;
}

/**
 * A VU's cookie jar: stores `Set-Cookie` responses and returns the cookies a request URL should send.
 * NOTE: domain matching is by host suffix without a public-suffix list, which is enough for test targets.
 */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Stores one `Set-Cookie` header value received from `url`. */
  store(url: URL, header: string): void {
    const [pair, ...attributes] = header.split(';');
    const equals = (pair ?? '').indexOf('=');
    if (equals <= 0) return;

    const cookie: StoredCookie = {
      name: (pair as string).slice(0, equals).trim(),
      value: (pair as string).slice(equals + 1).trim(),
      domain: url.hostname,
      path: '/',
      expiresAtMs: undefined,
      secure: false,
      httpOnly: false,
    };
    for (const attribute of attributes) {
      const [rawKey, ...rest] = attribute.split('=');
      const key = (rawKey ?? '').trim().toLowerCase();
      const value = rest.join('=').trim();
      if (key === 'domain' && value !== '') cookie.domain = value.replace(/^\./, '').toLowerCase();
      else if (key === 'path' && value.startsWith('/')) cookie.path = value;
      else if (key === 'max-age' && /^-?\d+$/.test(value)) cookie.expiresAtMs = Date.now() + Number(value) * 1000;
      else if (key === 'expires' && cookie.expiresAtMs === undefined && !Number.isNaN(Date.parse(value))) cookie.expiresAtMs = Date.parse(value);
      else if (key === 'secure') cookie.secure = true;
      else if (key === 'httponly') cookie.httpOnly = true;
    }
    this.set(cookie);
  }

  /** Adds or replaces a cookie; an expired one removes the stored cookie of the same name, domain and path. */
  set(cookie: StoredCookie): void {
    this.cookies = this.cookies.filter((existing) => !(existing.name === cookie.name && existing.domain === cookie.domain && existing.path === cookie.path));
    if (cookie.expiresAtMs === undefined || cookie.expiresAtMs > Date.now()) this.cookies.push(cookie);
  }

  /** Returns the cookies to send to `url`, most specific path first. */
  cookiesFor(url: URL): StoredCookie[] {
    if (this.cookies.length === 0) return [];
    const host = url.hostname.toLowerCase();
    const now = Date.now();
    return this.cookies
      .filter((cookie) => host === cookie.domain || host.endsWith(`.${cookie.domain}`))
      .filter((cookie) => url.pathname.startsWith(cookie.path))
      .filter((cookie) => !cookie.secure || url.protocol === 'https:')
      .filter((cookie) => cookie.expiresAtMs === undefined || cookie.expiresAtMs > now)
      .sort((left, right) => right.path.length - left.path.length);
  }

  /** Removes every cookie, as k6 does at the start of each iteration. */
  clear(): void {
    if (this.cookies.length > 0) this.cookies = [];
  }
}
