// Options of `startTarget`, their defaults and their validation.
import { HerdUserError } from '../lib/user-error.ts';
import { checkFaultOptions, type FaultOptions } from './faults.ts';
import { legacyProfile, profiles, routeKeys, type LatencySpec, type TargetProfile } from './profiles.ts';

/** Options of `startTarget`. Every field is optional; the profile supplies what is not given. */
export interface StartTargetOptions {
  /** Loopback address to listen on: 127.0.0.0/8, `::1` or `localhost`. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 lets the system pick a free one. Default 0. */
  port?: number;
  /** A built-in profile name (`legacy`, `high-concurrency`) or a profile object. Default `legacy`. */
  profile?: string | TargetProfile;
  /** Modelled servers behind the proxy. Default 1. */
  servers?: number;
  /** Overrides the profile's proxy queue timeout, in ms. Example: 100 in tests. */
  queueTimeoutMs?: number;
  /** Overrides the profile's workers per server. */
  workersPerServer?: number;
  /** Seed of the service-time draws; equal seeds give equal draw sequences. Default 1. */
  seed?: number;
  /** Overrides the profile's access token lifetime, in seconds; fractions are allowed. */
  tokenLifetimeSeconds?: number;
  /** Connections the server accepts at once; later ones are closed on arrival. Default 50000. */
  maxConnections?: number;
  /** Shares of worker responses replaced by network faults (resets, slow bodies, garbage). Default none. */
  faults?: FaultOptions;
}

/** Options with defaults applied and the overrides folded into the profile. */
export interface TargetConfig {
  host: string;
  port: number;
  profile: TargetProfile;
  servers: number;
  seed: number;
  maxConnections: number;
  faults: FaultOptions;
}

/** How the caller spells each option in messages, for example `--servers` for the CLI. */
export type OptionNames = Record<keyof StartTargetOptions, string>;

const apiOptionNames: OptionNames = {
  host: 'host',
  port: 'port',
  profile: 'profile',
  servers: 'servers',
  queueTimeoutMs: 'queueTimeoutMs',
  workersPerServer: 'workersPerServer',
  seed: 'seed',
  tokenLifetimeSeconds: 'tokenLifetimeSeconds',
  maxConnections: 'maxConnections',
  faults: 'faults',
};

/** Node replaces a setTimeout delay above 2^31 - 1 ms with 1 ms, so longer queue timeouts cannot be modelled. */
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * Applies defaults and validates `options`, collecting every problem into one `HerdUserError`
 * (code `TARGET_OPTIONS_INVALID`) that names each option as `names` spells it.
 */
export function resolveTargetConfig(options: StartTargetOptions, names: OptionNames = apiOptionNames): TargetConfig {
  const { config, problems } = validateTargetOptions(options, names);
  if (config === undefined) {
    throw new HerdUserError('TARGET_OPTIONS_INVALID', `Invalid target options:\n  ${problems.join('\n  ')}`);
  }
  return config;
}

/** Applies defaults and validates `options`; returns the config when there is no problem, and one sentence per problem otherwise. */
export function validateTargetOptions(options: StartTargetOptions, names: OptionNames = apiOptionNames): { config?: TargetConfig; problems: string[] } {
  const problems: string[] = [];
  const check = (valid: boolean, option: keyof StartTargetOptions, rule: string, value: unknown): void => {
    if (!valid) {
      problems.push(`${names[option]} must be ${rule}, got ${formatValue(value)}.`);
    }
  };

  const host = options.host ?? '127.0.0.1';
  const hostProblem = checkLoopbackHost(host, names.host);
  if (hostProblem !== undefined) {
    problems.push(hostProblem);
  }
  const port = options.port ?? 0;
  check(Number.isInteger(port) && port >= 0 && port <= 65_535, 'port', 'an integer from 0 to 65535', port);
  const servers = options.servers ?? 1;
  check(Number.isInteger(servers) && servers >= 1, 'servers', 'a whole number of at least 1', servers);
  const seed = options.seed ?? 1;
  check(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff, 'seed', 'an integer from 0 to 4294967295', seed);
  const maxConnections = options.maxConnections ?? 50_000;
  check(Number.isInteger(maxConnections) && maxConnections >= 1, 'maxConnections', 'a whole number of at least 1', maxConnections);

  const faults = options.faults ?? {};
  problems.push(...checkFaultOptions(faults, names.faults));

  const baseProfile = resolveProfile(options.profile ?? 'legacy', names.profile, problems);
  // The overrides are checked against the legacy profile when the profile name is unknown, so their problems are reported too.
  const profile = applyOverrides(baseProfile ?? legacyProfile, options, check);
  if (baseProfile !== undefined) {
    problems.push(...checkProfileLatencies(profile));
  }

  if (problems.length > 0) {
    return { problems };
  }
  return { config: { host: normalizeHost(host), port, profile, servers, seed, maxConnections, faults }, problems };
}

/** Tells whether `host` is a loopback address: 127.0.0.0/8, `::1` (with or without brackets) or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') {
    return true;
  }
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(bare);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

function checkLoopbackHost(host: string, optionName: string): string | undefined {
  if (isLoopbackHost(host)) {
    return undefined;
  }
  return `${optionName} must be a loopback address (127.0.0.1, ::1 or localhost), got ${formatValue(host)}. ` +
    'The reference target listens on loopback only, so that no other machine can reach it or be mistaken for it.';
}

/** Maps `localhost` to 127.0.0.1, because a resolver may return an address that is not loopback, and drops IPv6 brackets. */
function normalizeHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return bare.toLowerCase() === 'localhost' ? '127.0.0.1' : bare;
}

function resolveProfile(profile: string | TargetProfile, optionName: string, problems: string[]): TargetProfile | undefined {
  if (typeof profile !== 'string') {
    return profile;
  }
  const found = profiles[profile];
  if (found === undefined) {
    problems.push(`${optionName} must be one of ${Object.keys(profiles).join(', ')}, got ${formatValue(profile)}.`);
  }
  return found;
}

function applyOverrides(
  profile: TargetProfile,
  options: StartTargetOptions,
  check: (valid: boolean, option: keyof StartTargetOptions, rule: string, value: unknown) => void,
): TargetProfile {
  const workersPerServer = options.workersPerServer ?? profile.workersPerServer;
  check(Number.isInteger(workersPerServer) && workersPerServer >= 1, 'workersPerServer', 'a whole number of at least 1', workersPerServer);
  const queueTimeoutMs = options.queueTimeoutMs ?? profile.queueTimeoutMs;
  check(Number.isFinite(queueTimeoutMs) && queueTimeoutMs > 0 && queueTimeoutMs <= maxTimerDelayMs, 'queueTimeoutMs', `a number of milliseconds above 0 and at most ${maxTimerDelayMs}`, queueTimeoutMs);
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? profile.tokenLifetimeSeconds;
  check(Number.isFinite(tokenLifetimeSeconds) && tokenLifetimeSeconds > 0, 'tokenLifetimeSeconds', 'a number of seconds above 0', tokenLifetimeSeconds);
  return { ...profile, workersPerServer, queueTimeoutMs, tokenLifetimeSeconds };
}

function checkProfileLatencies(profile: TargetProfile): string[] {
  const problems: string[] = [];
  const checkLatency = (field: string, latency: LatencySpec | undefined): void => {
    if (latency === undefined) {
      problems.push(`profile "${profile.name}" has no latency for ${field}; give it { medianMs, p99Ms }.`);
      return;
    }
    const { medianMs, p99Ms } = latency;
    if (!(Number.isFinite(medianMs) && medianMs > 0)) {
      problems.push(`profile "${profile.name}" ${field}.medianMs must be a number of milliseconds above 0, got ${formatValue(medianMs)}.`);
    }
    if (!(Number.isFinite(p99Ms) && p99Ms >= medianMs)) {
      problems.push(`profile "${profile.name}" ${field}.p99Ms must be a number at least medianMs (${formatValue(medianMs)}), got ${formatValue(p99Ms)}.`);
    }
  };
  for (const route of routeKeys) {
    checkLatency(`routes.${route}`, profile.routes[route]);
  }
  checkLatency('vendor', profile.vendor);
  return problems;
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
