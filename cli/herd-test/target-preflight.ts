// One request to the target before the herd starts. Without it an unreachable target shows up
// as a run in which every user failed, which reads like an overloaded backend.
import { request } from 'undici';
import { HerdUserError } from '../../lib/user-error.ts';

const PREFLIGHT_TIMEOUT_MS = 5_000;

/**
 * Sends one GET to `baseUrl` and resolves when any HTTP response arrives, whatever its status.
 * Throws a HerdUserError naming the URL and the network error when none does within 5 s.
 */
export async function assertTargetReachable(baseUrl: string): Promise<void> {
  try {
    const response = await request(baseUrl, { method: 'GET', headersTimeout: PREFLIGHT_TIMEOUT_MS, bodyTimeout: PREFLIGHT_TIMEOUT_MS, signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
    await response.body.dump();
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new HerdUserError(
      'TARGET_UNREACHABLE',
      `--target ${baseUrl} returned no response to a GET within ${PREFLIGHT_TIMEOUT_MS / 1000} s (${code}: ${(error as Error).message}). Start the backend or correct --target; no load was sent.`,
      1,
    );
  }
}
