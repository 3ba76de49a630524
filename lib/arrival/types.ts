/**
 * A deterministic arrival curve: the rate λ(t) at which users arrive and its integral N(t).
 * Times are seconds from the start of the test.
 */
export interface ArrivalCurve {
  /** N(∞): the users this curve delivers in total. */
  totalUsers: number;
  /** First second with any arrivals worth scheduling. */
  startSeconds: number;
  /** Second by which all but a negligible tail (under one user) has arrived. */
  endSeconds: number;
  /** λ(t) in users per second. */
  ratePerSecondAt(tSeconds: number): number;
  /** N(t): users arrived by time t. */
  usersArrivedBy(tSeconds: number): number;
}
