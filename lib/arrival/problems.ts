import { HerdUserError } from '../user-error.ts';

/**
 * Collects the problems found in one arrival specification, so that a user sees all of them
 * at once instead of fixing one per run.
 */
export class ArrivalProblems {
  private readonly messages: string[] = [];

  /** Records that `field` (as the user writes it, such as `arrival.sigma`) is invalid. */
  add(field: string, message: string): void {
    this.messages.push(`${field}: ${message}`);
  }

  get isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** Number of problems recorded so far. */
  get count(): number {
    return this.messages.length;
  }

  /** Throws one `HerdUserError` with code `ARRIVAL_INVALID` listing every recorded problem. */
  throwIfAny(): void {
    if (this.messages.length === 0) {
      return;
    }
    const heading = this.messages.length === 1 ? 'invalid arrival model' : `invalid arrival model (${this.messages.length} problems)`;
    throw new HerdUserError('ARRIVAL_INVALID', `${heading}:\n  - ${this.messages.join('\n  - ')}`);
  }
}

/** Tells whether `value` is a finite number greater than zero. */
export function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
