// A model of the proxy in front of the servers: c workers, one FIFO queue, and a request that
// has waited `queueTimeoutSeconds` in the queue is dropped with a 503. That is the M/M/c+D
// queue: Poisson arrivals at rate λ, exponential service at rate μ per worker, deterministic
// patience τ.
//
// Derivation (level crossing on the offered wait V, the time a request would wait for a worker
// with unlimited patience). With fewer than c busy workers V = 0 and the busy count j follows
// the birth-death chain p_j = p_0 (λ/μ)^j / j!. Above 0, V falls at rate 1 and jumps by an
// Exp(cμ) amount each time a request joins, and a request arriving at offered wait x joins only
// if x < τ. Balancing the rates of crossing level x gives the density
//   f(x) = λ p_{c−1} e^{(λ − cμ) x}           for 0 < x < τ
//   f(x) = λ p_{c−1} e^{λτ − cμ x}            for x ≥ τ
// and by PASTA an arriving request is dropped with probability P(V ≥ τ). Writing
// S = Σ_{j<c} p_j and B = p_{c−1} / S (Erlang's loss formula for c − 1 servers), normalisation
// gives S = 1 / (1 + λ B K) with K = ∫₀^τ e^{δx} dx + e^{δτ}/(cμ) and δ = λ − cμ.
// When overloaded (δ > 0), every exponential is multiplied by e^{−δτ} first so nothing
// overflows; the drop share then tends to 1 − cμ/λ, the fluid limit.
//
// NOTE: the target draws log-normal service times per route, not exponential ones; the model
// uses their overall mean. Under overload the admitted rate c/E[S] depends on the mean only,
// while near cμ ≈ λ the exponential assumption makes the predicted waits longer than the
// target's less variable service gives.

/** Inputs of `predictProxyQueue`. */
export interface ProxyQueueInput {
  /** Requests per second arriving at the proxy. */
  offeredRequestsPerSecond: number;
  /** Workers behind the proxy: servers × workers per server. */
  workers: number;
  /** Mean time a request holds a worker, in seconds. */
  meanServiceSeconds: number;
  /** Time a request may wait in the queue before the proxy returns 503, in seconds. Example: 5. */
  queueTimeoutSeconds: number;
}

/** Steady-state behaviour of the proxy queue at one offered load. */
export interface ProxyQueuePrediction {
  offeredRequestsPerSecond: number;
  /** Requests per second that reach a worker. */
  admittedRequestsPerSecond: number;
  /** Fraction of requests dropped with 503 after the queue timeout. */
  rejectedShare: number;
  /** Fraction of requests that wait for a worker at all. */
  waitingShare: number;
  /** Mean queue wait of the requests that reach a worker, in seconds. */
  meanWaitSeconds: number;
  /** Mean time from arrival to response for requests that reach a worker: wait + service, in seconds. */
  meanTimeInSystemSeconds: number;
  /** Fraction of worker time spent serving. */
  utilization: number;
}

/**
 * Computes Erlang's loss formula B(servers, offered load) with the recursion on its inverse,
 * 1/B(k) = 1 + (k/a)·1/B(k−1), whose terms are all positive. The recursion starts 12√a below
 * min(servers, a) from the guess 1/B = 1 instead of from k = 0: below a each step multiplies
 * the guess's error by k/a < 1, so it falls under 1e-30 before k reaches a, and a fleet of
 * millions of workers costs thousands of steps, not millions. Returns 0 once B drops below
 * 1e-300.
 */
export function erlangB(servers: number, offeredLoad: number): number {
  if (!(offeredLoad > 0)) {
    return servers <= 0 ? 1 : 0;
  }
  const start = Math.max(0, Math.floor(Math.min(servers, offeredLoad) - 12 * Math.sqrt(offeredLoad) - 10));
  let inverse = 1;
  for (let k = start + 1; k <= servers; k += 1) {
    inverse = 1 + (k / offeredLoad) * inverse;
    if (inverse > 1e300) {
      return 0;
    }
  }
  return 1 / inverse;
}

/** Computes drops, waits and throughput of the proxy queue at one offered load (M/M/c+D, see the file comment). */
export function predictProxyQueue(input: ProxyQueueInput): ProxyQueuePrediction {
  const lambda = Math.max(0, input.offeredRequestsPerSecond);
  const workers = Math.max(1, Math.floor(input.workers));
  const mu = 1 / input.meanServiceSeconds;
  const tau = input.queueTimeoutSeconds;
  if (lambda === 0) {
    return { offeredRequestsPerSecond: 0, admittedRequestsPerSecond: 0, rejectedShare: 0, waitingShare: 0, meanWaitSeconds: 0, meanTimeInSystemSeconds: input.meanServiceSeconds, utilization: 0 };
  }

  const capacityRate = workers * mu;
  const delta = lambda - capacityRate;
  const blocking = erlangB(workers - 1, lambda / mu);
  const terms = scaledIntegrals(delta, tau, capacityRate);

  // All three quantities share the factor λ·B·S; `terms.scale` is e^{−δτ} when δ > 0, else 1.
  const denominator = terms.scale + lambda * blocking * terms.kScaled;
  const rejectedShare = (lambda * blocking * terms.tailScaled) / denominator;
  const waitingShare = (lambda * blocking * terms.kScaled) / denominator;
  const waitMass = (lambda * blocking * terms.xWaitScaled) / denominator;
  const servedShare = 1 - rejectedShare;
  const meanWaitSeconds = servedShare > 0 ? waitMass / servedShare : tau;
  const admittedRequestsPerSecond = lambda * servedShare;
  return {
    offeredRequestsPerSecond: lambda,
    admittedRequestsPerSecond,
    rejectedShare,
    waitingShare,
    meanWaitSeconds,
    meanTimeInSystemSeconds: meanWaitSeconds + input.meanServiceSeconds,
    utilization: Math.min(1, admittedRequestsPerSecond / capacityRate),
  };
}

/**
 * Computes the integrals of the offered-wait density without the factor λ·B·S, each multiplied
 * by `scale` (e^{−δτ} when δ > 0, else 1). They are K (the share that waits at all), the tail
 * beyond τ (dropped) and ∫₀^τ x e^{δx} dx (the wait of those served).
 */
function scaledIntegrals(delta: number, tau: number, capacityRate: number): { scale: number; kScaled: number; tailScaled: number; xWaitScaled: number } {
  const x = delta * tau;
  if (Math.abs(x) < 1e-6) {
    // Series around δ = 0, where the closed forms below cancel.
    const head = tau * (1 + x / 2);
    const tail = Math.exp(x) / capacityRate;
    return { scale: 1, kScaled: head + tail, tailScaled: tail, xWaitScaled: tau * tau * (0.5 + x / 3) };
  }
  if (delta < 0) {
    const head = -Math.expm1(x) / -delta;
    const tail = Math.exp(x) / capacityRate;
    const xWait = (Math.exp(x) * (x - 1) + 1) / (delta * delta);
    return { scale: 1, kScaled: head + tail, tailScaled: tail, xWaitScaled: xWait };
  }
  const scale = Math.exp(-x);
  const head = -Math.expm1(-x) / delta;
  const tail = 1 / capacityRate;
  const xWait = (x - 1 + scale) / (delta * delta);
  return { scale, kScaled: head + tail, tailScaled: tail, xWaitScaled: xWait };
}

/**
 * Finds the highest offered load at which at most `maxRejectedShare` of requests get a 503:
 * the rate a fleet sustains before its queue starts timing out. Bisection on the offered rate.
 */
export function sustainableRequestsPerSecond(input: Omit<ProxyQueueInput, 'offeredRequestsPerSecond'>, maxRejectedShare = 0.01): number {
  const capacityRate = input.workers / input.meanServiceSeconds;
  let low = 0;
  let high = capacityRate * 2;
  for (let step = 0; step < 40; step += 1) {
    const middle = (low + high) / 2;
    if (predictProxyQueue({ ...input, offeredRequestsPerSecond: middle }).rejectedShare <= maxRejectedShare) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return low;
}
