import { HerdUserError } from '../lib/user-error.ts';

/** k6's process exit statuses (k6 errext/exitcodes, v0.49). */
export const ExitCode = {
  success: 0,
  thresholdsCrossed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** Raises a configuration error (bad option, duration, threshold) with k6's exit status 104. */
export function invalidConfig(message: string): HerdUserError {
  return new HerdUserError('ENGINE_INVALID_CONFIG', message, ExitCode.invalidConfig);
}

/** Raises a script error (syntax error, exception at init, unsupported call) with k6's exit status 107. */
export function scriptError(message: string): HerdUserError {
  return new HerdUserError('ENGINE_SCRIPT_ERROR', message, ExitCode.scriptException);
}

/**
 * A call the engine rejects because it would block the event loop, such as `http.get` or `sleep`.
 * The runner stops the whole test on the first one instead of failing every iteration.
 */
export class UnsupportedCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedCallError';
  }
}
