// Host parsing for the target allow check. Runs inside k6 as well as on Node, so it uses no Node
// APIs and no URL class (k6 has none): the parsing is written out here.
//
// The rule that keeps the check honest: a host is accepted only in a form that every HTTP client
// reads the same way. Forms that clients disagree on (`2130706433`, `0177.0.0.1`, `127.1`, a
// percent-encoded or non-ASCII host, an IPv6 zone) are rejected with the canonical form to write
// instead, so the host this check approves is the host the client connects to.

/** A host in canonical form: a lowercase name, a dotted-decimal IPv4 address or a compressed IPv6 address. */
export interface ParsedHost {
  kind: 'name' | 'ipv4' | 'ipv6';
  /** Lowercase name (a trailing dot is kept), `a.b.c.d`, or RFC 5952 IPv6 without brackets. IPv4-mapped IPv6 becomes `ipv4`. */
  canonical: string;
}

/** The outcome of parsing a host: the canonical host, or why the text is rejected. */
export type HostParseResult = { ok: true; host: ParsedHost } | { ok: false; reason: string };

const MAX_HOST_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const DOTTED_DECIMAL_IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const HOST_NAME_LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

/**
 * Parses a host as written in a URL or an allow list: a name, a dotted-decimal IPv4 address, or an
 * IPv6 address with or without brackets. Never throws.
 */
export function parseHost(text: string): HostParseResult {
  if (text.length === 0) {
    return { ok: false, reason: 'the host is empty' };
  }
  if (!/^[\x21-\x7e]+$/.test(text)) {
    return { ok: false, reason: 'the host contains spaces, control or non-ASCII characters; write an internationalized name in its xn-- (punycode) form' };
  }
  if (text.indexOf('%') !== -1 && text.charAt(0) !== '[' && text.indexOf(':') === -1) {
    return { ok: false, reason: 'the host is percent-encoded; write it without % escapes' };
  }

  if (text.charAt(0) === '[') {
    if (text.charAt(text.length - 1) !== ']') {
      return { ok: false, reason: 'the IPv6 address has no closing ]' };
    }
    return parseIpv6(text.slice(1, -1));
  }
  if (text.indexOf(':') !== -1) {
    return parseIpv6(text);
  }

  const lower = text.toLowerCase();
  if (endsInNumber(lower)) {
    return parseIpv4(lower);
  }
  return parseHostName(lower);
}

/**
 * Tells whether `host` is a loopback host: `localhost`, an address in 127.0.0.0/8, `::1`, or
 * an IPv4-mapped form of 127.0.0.0/8 such as `::ffff:127.0.0.1`. Brackets around IPv6 are
 * optional. Returns false for anything ambiguous (`localhost.`, `127.1`, `0177.0.0.1`) and for the
 * unspecified addresses `0.0.0.0` and `::`, which are not loopback even though Linux routes them locally.
 */
export function isLoopbackHost(host: string): boolean {
  const parsed = parseHost(host);
  if (!parsed.ok) {
    return false;
  }
  return isLoopbackParsedHost(parsed.host);
}

/** Tells whether an already parsed host is loopback; see `isLoopbackHost`. */
export function isLoopbackParsedHost(host: ParsedHost): boolean {
  if (host.kind === 'name') {
    return host.canonical === 'localhost';
  }
  if (host.kind === 'ipv4') {
    return host.canonical.split('.')[0] === '127';
  }
  return host.canonical === '::1';
}

/**
 * Names the reason a host is never a load-test target, even when allow-listed, or returns
 * undefined. Covers unspecified, link-local (cloud metadata services answer on 169.254.169.254),
 * multicast and broadcast addresses.
 */
export function describeForbiddenHost(host: ParsedHost): string | undefined {
  if (host.kind === 'ipv4') {
    const octets = host.canonical.split('.').map(Number);
    if (octets[0] === 0) {
      return 'it is in 0.0.0.0/8, the unspecified ("this host") range; write 127.0.0.1 for the local machine';
    }
    if (octets[0] === 169 && octets[1] === 254) {
      return 'it is link-local (169.254.0.0/16), where cloud metadata services answer';
    }
    if (octets[0] >= 224) {
      return 'it is a multicast, reserved or broadcast address';
    }
    return undefined;
  }
  if (host.kind === 'ipv6') {
    if (host.canonical === '::') {
      return 'it is the unspecified address ::; write ::1 for the local machine';
    }
    const firstGroup = parseInt(host.canonical.split(':')[0] || '0', 16);
    if ((firstGroup & 0xffc0) === 0xfe80) {
      return 'it is link-local (fe80::/10)';
    }
    if ((firstGroup & 0xff00) === 0xff00) {
      return 'it is a multicast address (ff00::/8)';
    }
  }
  return undefined;
}

// WHATWG URL parsers treat a host whose last label is numeric as an IPv4 address in some notation.
function endsInNumber(lowerHost: string): boolean {
  const labels = lowerHost.split('.');
  if (labels[labels.length - 1] === '' && labels.length > 1) {
    labels.pop();
  }
  const last = labels[labels.length - 1];
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last);
}

function parseIpv4(lowerHost: string): HostParseResult {
  if (DOTTED_DECIMAL_IPV4.test(lowerHost)) {
    return { ok: true, host: { kind: 'ipv4', canonical: lowerHost } };
  }
  const whatwgReading = readIpv4LikeWhatwg(lowerHost);
  const reading = whatwgReading === undefined ? 'it is not a valid IPv4 address' : `URL parsers such as Node's read it as ${whatwgReading}, other clients differently`;
  return {
    ok: false,
    reason: `"${lowerHost}" is not in dotted-decimal form (${reading}); write the address as four decimal numbers without leading zeros, such as 127.0.0.1`,
  };
}

// The WHATWG URL Standard's IPv4 parser: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x).
// Used only to show the user what their text would have meant.
function readIpv4LikeWhatwg(lowerHost: string): string | undefined {
  const parts = lowerHost.split('.');
  if (parts[parts.length - 1] === '' && parts.length > 1) {
    parts.pop();
  }
  if (parts.length > 4) {
    return undefined;
  }
  const numbers: number[] = [];
  for (const part of parts) {
    const value = readIpv4Part(part);
    if (value === undefined) {
      return undefined;
    }
    numbers.push(value);
  }
  const last = numbers[numbers.length - 1];
  if (numbers.slice(0, -1).some((value) => value > 255) || last >= Math.pow(256, 5 - numbers.length)) {
    return undefined;
  }

  let address = last;
  for (let index = 0; index < numbers.length - 1; index++) {
    address += numbers[index] * Math.pow(256, 3 - index);
  }
  const octets = [Math.floor(address / 16777216) % 256, Math.floor(address / 65536) % 256, Math.floor(address / 256) % 256, address % 256];
  return octets.join('.');
}

function readIpv4Part(part: string): number | undefined {
  if (/^0x[0-9a-f]*$/.test(part)) {
    return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  }
  if (/^0[0-7]+$/.test(part)) {
    return parseInt(part.slice(1), 8);
  }
  if (/^[0-9]+$/.test(part)) {
    return parseInt(part, 10);
  }
  return undefined;
}

function parseHostName(lowerHost: string): HostParseResult {
  if (lowerHost.length > MAX_HOST_NAME_LENGTH) {
    return { ok: false, reason: `the host name is ${lowerHost.length} characters long; DNS allows at most ${MAX_HOST_NAME_LENGTH}` };
  }
  const labels = lowerHost.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') {
    labels.pop();
  }
  for (const label of labels) {
    if (label.length === 0) {
      return { ok: false, reason: `"${lowerHost}" has an empty label (two dots in a row, or a leading dot)` };
    }
    if (label.length > MAX_LABEL_LENGTH) {
      return { ok: false, reason: `the label "${label}" is longer than ${MAX_LABEL_LENGTH} characters` };
    }
    if (!HOST_NAME_LABEL.test(label)) {
      return { ok: false, reason: `the label "${label}" may contain only letters, digits, - and _, and may not start or end with -` };
    }
  }
  return { ok: true, host: { kind: 'name', canonical: lowerHost } };
}

function parseIpv6(text: string): HostParseResult {
  if (text.indexOf('%') !== -1) {
    return { ok: false, reason: `"${text}" has a zone identifier (%…); zoned link-local addresses are not load-test targets` };
  }
  const groups = readIpv6Groups(text.toLowerCase());
  if (groups === undefined) {
    return { ok: false, reason: `"${text}" is not a valid IPv6 address` };
  }

  const isMapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const octets = [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff];
    return { ok: true, host: { kind: 'ipv4', canonical: octets.join('.') } };
  }
  return { ok: true, host: { kind: 'ipv6', canonical: formatIpv6(groups) } };
}

// Reads the eight 16-bit groups of an IPv6 address, with at most one `::` and an optional
// dotted-decimal IPv4 tail (`::ffff:127.0.0.1`).
function readIpv6Groups(text: string): number[] | undefined {
  let body = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const ipv4 = text.slice(lastColon + 1);
    if (!DOTTED_DECIMAL_IPV4.test(ipv4)) {
      return undefined;
    }
    const octets = ipv4.split('.').map(Number);
    tail.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]);
    body = text.slice(0, lastColon);
    if (body.endsWith(':')) {
      body += ':';
    }
  }

  const halves = body.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = readHexGroups(halves[0]);
  const rest = halves.length === 2 ? readHexGroups(halves[1]) : [];
  if (head === undefined || rest === undefined) {
    return undefined;
  }

  const explicitCount = head.length + rest.length + tail.length;
  if (halves.length === 1) {
    return explicitCount === 8 ? head.concat(tail) : undefined;
  }
  if (explicitCount > 7) {
    return undefined;
  }
  const zeros: number[] = [];
  for (let index = 0; index < 8 - explicitCount; index++) {
    zeros.push(0);
  }
  return head.concat(zeros, rest, tail);
}

function readHexGroups(text: string): number[] | undefined {
  if (text === '') {
    return [];
  }
  const groups: number[] = [];
  for (const group of text.split(':')) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) {
      return undefined;
    }
    groups.push(parseInt(group, 16));
  }
  return groups;
}

// RFC 5952: lowercase hex without leading zeros, the longest run of two or more zero groups as `::`.
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) {
      length++;
    }
    if (length > bestLength && length >= 2) {
      bestStart = start;
      bestLength = length;
    }
  }

  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) {
    return hex.join(':');
  }
  const before = hex.slice(0, bestStart).join(':');
  const after = hex.slice(bestStart + bestLength).join(':');
  return `${before}::${after}`;
}
