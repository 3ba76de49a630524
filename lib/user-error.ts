/**
 * An error the user can fix: a bad file, a bad flag, an unreachable target.
 * The CLI prints its message without a stack trace and exits with `exitCode`.
 */
export class HerdUserError extends Error {
  /** Stable identifier for grouping, such as `EVENT_INVALID` or `TARGET_UNREACHABLE`. */
  readonly code: string;
  /** Process exit status; 1 unless a k6-compatible status applies (for example 104 for a script error, 107 for a bad config). */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = 'HerdUserError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Tells whether `error` is a user-caused error that should print without a stack trace. */
export function isHerdUserError(error: unknown): error is HerdUserError {
  return error instanceof HerdUserError;
}
