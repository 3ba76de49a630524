// Safety by default: where load may go, how much of it, and what never reaches a log or result file.
// Everything here is pure TypeScript without Node APIs, so k6 scripts can import it too.

export { isLoopbackHost, isLoopbackParsedHost, parseHost, describeForbiddenHost } from './hosts.ts';
export type { ParsedHost, HostParseResult } from './hosts.ts';
export { ALLOW_HOSTS_ENV_VAR, assertAllowListValid, assertTargetAllowed, parseTargetUrl, splitAllowHosts } from './target.ts';
export type { ParsedTarget, TargetAllowOptions } from './target.ts';
export { DEFAULT_PEAK_RATE_CAP_PER_SECOND, RATE_CAP_OVERRIDE_FLAG, assertRateWithinCap } from './rate-cap.ts';
export type { RateCapOptions } from './rate-cap.ts';
export { REDACTED, isSensitiveHeaderName, isSensitiveParameterName, redactHeaderValue, redactHeaders, redactSecrets, redactText, redactUrl } from './redact.ts';
