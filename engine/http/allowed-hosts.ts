import { isIP } from 'node:net';

function isLoopbackAddress(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Decides whether the engine may send a request to `hostname`: loopback addresses and `localhost`
 * always, other hosts only when listed (comma-separated) in the HERD_ALLOW_HOSTS environment variable.
 */
export function isHostAllowed(hostname: string, allowList = process.env.HERD_ALLOW_HOSTS ?? ''): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || isLoopbackAddress(host)) return true;
  return allowList
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .some((entry) => entry !== '' && entry === host);
}
