// The target allow check: traffic goes to loopback unless the user named the host on purpose.
// Pure TypeScript without Node APIs, so a k6 script can run the same check at init time.

import { HerdUserError } from '../user-error.ts';
import { describeForbiddenHost, isLoopbackParsedHost, parseHost } from './hosts.ts';
import type { ParsedHost } from './hosts.ts';

/** The parts of a target URL that the allow check looks at. */
export interface ParsedTarget {
  /** Lowercase: `http`, `https`, `ws` or `wss`. */
  scheme: string;
  host: ParsedHost;
  /** The explicit port, or undefined when the URL uses the scheme's default. */
  port: number | undefined;
}

/** Options of `assertTargetAllowed`. */
export interface TargetAllowOptions {
  /** Hosts besides loopback that may receive traffic: the event file's `target.allow` plus `HERD_ALLOW_HOSTS`. Entries are host names or addresses, or `*.example.com` for any subdomain. */
  allowHosts?: readonly string[];
  /** Origin of the URL, shown in error messages. Example: `--target`, `event.yaml target.baseUrl`. Default: `target URL`. */
  source?: string;
}

const ALLOWED_SCHEMES = ['http', 'https', 'ws', 'wss'];
const MAX_PORT = 65535;

/** The environment variable with extra allowed hosts, comma-separated. */
export const ALLOW_HOSTS_ENV_VAR = 'HERD_ALLOW_HOSTS';

/**
 * Checks that `url` may receive load and returns its parsed host and port. Loopback hosts are
 * always allowed; any other host must match an entry of `allowHosts`. Unspecified, link-local,
 * multicast and broadcast addresses are rejected even when listed.
 * Throws HerdUserError `TARGET_INVALID` for a URL it cannot read unambiguously and
 * `TARGET_NOT_ALLOWED` for a host that is not allowed, with a message that explains how to allow it.
 */
export function assertTargetAllowed(url: string, options: TargetAllowOptions = {}): ParsedTarget {
  const source = options.source ?? 'target URL';
  const target = parseTargetUrl(url, source);

  const forbiddenReason = describeForbiddenHost(target.host);
  if (forbiddenReason !== undefined) {
    throw new HerdUserError('TARGET_NOT_ALLOWED', `${source} "${url}" is rejected: ${forbiddenReason}. Point the load at the service's own host name or address.`);
  }
  if (isLoopbackParsedHost(target.host)) {
    return target;
  }

  const entries = parseAllowList(options.allowHosts ?? [], 'allow list');
  if (entries.some((entry) => matchesAllowEntry(target.host, entry))) {
    return target;
  }

  const shownHost = target.host.kind === 'ipv6' ? `[${target.host.canonical}]` : target.host.canonical;
  throw new HerdUserError(
    'TARGET_NOT_ALLOWED',
    `${source} "${url}" points at ${shownHost}, which is not loopback and not in the allow list. ` +
      `If you own that host and mean to load it, add "${target.host.canonical}" to target.allow in the event file, ` +
      `or set ${ALLOW_HOSTS_ENV_VAR}=${target.host.canonical} (comma-separated for several hosts).`,
  );
}

/**
 * Parses a target URL without the WHATWG URL class (k6 has none). Rejects user info, backslashes,
 * whitespace and host forms that clients read differently. Throws HerdUserError `TARGET_INVALID`.
 */
export function parseTargetUrl(url: string, source = 'target URL'): ParsedTarget {
  const fail = (reason: string): never => {
    throw new HerdUserError('TARGET_INVALID', `${source} "${url}" is invalid: ${reason}.`);
  };

  if (!/^[\x21-\x7e]*$/.test(url)) {
    fail('it contains spaces, control or non-ASCII characters');
  }
  // WHATWG parsers read `\` as `/` in http URLs but other clients do not, so such a URL could name two hosts.
  if (url.indexOf('\\') !== -1) {
    fail('it contains a backslash');
  }
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (schemeMatch === null) {
    return fail('expected an absolute URL such as http://127.0.0.1:8080');
  }
  const scheme = schemeMatch[1].toLowerCase();
  if (ALLOWED_SCHEMES.indexOf(scheme) === -1) {
    fail(`the scheme "${scheme}" is not supported; use one of ${ALLOWED_SCHEMES.join(', ')}`);
  }

  const afterScheme = url.slice(schemeMatch[0].length);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd);
  if (authority.indexOf('@') !== -1) {
    fail('it contains user info (user:password@); credentials do not belong in a target URL, send them as headers');
  }

  const { hostText, portText } = splitAuthority(authority, fail);
  const parsedHost = parseHost(hostText);
  if (!parsedHost.ok) {
    return fail(parsedHost.reason);
  }
  return { scheme, host: parsedHost.host, port: parsePort(portText, fail) };
}

/** Splits a comma-separated host list such as the value of `HERD_ALLOW_HOSTS`; blanks are dropped. */
export function splitAllowHosts(value: string | undefined): string[] {
  if (value === undefined) {
    return [];
  }
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** One allow-list entry in canonical form. `wildcard` entries match any subdomain of `host`, not `host` itself. */
interface AllowEntry {
  host: ParsedHost;
  wildcard: boolean;
}

/**
 * Checks every allow-list entry and throws HerdUserError `ALLOW_LIST_INVALID` naming the first bad
 * one. Entries are hosts only: no scheme, port or path.
 */
export function assertAllowListValid(entries: readonly string[], source: string): void {
  parseAllowList(entries, source);
}

function parseAllowList(entries: readonly string[], source: string): AllowEntry[] {
  return entries.map((entry) => parseAllowEntry(entry, source));
}

function parseAllowEntry(entry: string, source: string): AllowEntry {
  const fail = (reason: string): never => {
    throw new HerdUserError('ALLOW_LIST_INVALID', `${source} entry "${entry}" is invalid: ${reason}.`);
  };

  if (entry.indexOf('/') !== -1) {
    fail('list the host only, without scheme or path (example: api.staging.example.com)');
  }
  const wildcard = entry.indexOf('*.') === 0;
  const hostText = wildcard ? entry.slice(2) : entry;
  if (hostText.indexOf('*') !== -1) {
    fail('a wildcard is allowed only as a leading "*." (example: *.staging.example.com)');
  }
  const looksLikeHostAndPort = hostText.charAt(0) !== '[' && hostText.split(':').length === 2;
  if (looksLikeHostAndPort) {
    fail('list the host without a port');
  }

  const parsed = parseHost(hostText);
  if (!parsed.ok) {
    return fail(parsed.reason);
  }
  if (wildcard && parsed.host.kind !== 'name') {
    fail('a wildcard applies to host names, not addresses');
  }
  return { host: parsed.host, wildcard };
}

function matchesAllowEntry(host: ParsedHost, entry: AllowEntry): boolean {
  if (host.kind !== entry.host.kind) {
    return false;
  }
  if (!entry.wildcard) {
    return host.canonical === entry.host.canonical;
  }
  const suffix = `.${entry.host.canonical}`;
  return host.canonical.length > suffix.length && host.canonical.slice(-suffix.length) === suffix;
}

function splitAuthority(authority: string, fail: (reason: string) => never): { hostText: string; portText: string | undefined } {
  if (authority.charAt(0) === '[') {
    const close = authority.indexOf(']');
    if (close === -1) {
      return fail('the IPv6 address has no closing ]');
    }
    const rest = authority.slice(close + 1);
    if (rest !== '' && rest.charAt(0) !== ':') {
      return fail(`unexpected "${rest}" after the IPv6 address`);
    }
    return { hostText: authority.slice(0, close + 1), portText: rest === '' ? undefined : rest.slice(1) };
  }

  const colon = authority.indexOf(':');
  if (colon === -1) {
    return { hostText: authority, portText: undefined };
  }
  if (authority.indexOf(':', colon + 1) !== -1) {
    return fail('an IPv6 address must be written in brackets, such as http://[::1]:8080');
  }
  return { hostText: authority.slice(0, colon), portText: authority.slice(colon + 1) };
}

function parsePort(portText: string | undefined, fail: (reason: string) => never): number | undefined {
  if (portText === undefined) {
    return undefined;
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > MAX_PORT) {
    return fail(`the port "${portText}" is not a number from 1 to ${MAX_PORT}`);
  }
  return Number(portText);
}
