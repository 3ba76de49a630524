// The proxy queue and the serial workers behind it. A request takes a free worker at once or
// waits in one FIFO queue; after `queueTimeoutMs` in the queue the proxy gives up on it.
// The pool costs timers, not CPU: one timer per request in service and one for the queue head.
//
// Timers fire late when the event loop is busy, so the pool keeps a logical clock per worker:
// a worker becomes free at the time its hold should have ended, not when its timer fired, and
// the next queued job starts at that time. A late timer therefore shortens the next hold in real
// time, and a worker's throughput stays what the profile says as long as the lag stays bounded.

/** A request as the pool sees it. The pool calls either `expire` or `begin` and then `complete`, unless it is closed first. */
export interface PoolJob {
  /** Called when a worker takes the job; returns how long the worker holds it, in ms. */
  begin(queueWaitMs: number): number;
  /** Called when the hold ends, just before the worker takes the next job; `lateMs` is how late its timer fired. */
  complete(lateMs: number): void;
  /** Called instead of `begin` when the job waited `queueTimeoutMs` without getting a worker. */
  expire(queueWaitMs: number): void;
}

/** A handle to a submitted job. */
export interface PoolTicket {
  /** Whether the job had to wait in the queue; false when a worker took it at once. */
  readonly queued: boolean;
  /** Removes the job from the queue if it is still waiting, and returns whether it was. A job in service is not stopped. */
  cancel(): boolean;
}

/** Options of a worker pool; all times in milliseconds. */
export interface WorkerPoolOptions {
  /** Requests processed at the same time (servers × workers per server). */
  workerCount: number;
  /** How long a job may wait in the queue before `expire` is called. */
  queueTimeoutMs: number;
  /** Clock in ms; `performance.now` unless a test supplies one. */
  now?: () => number;
}

const startedTicket: PoolTicket = { queued: false, cancel: () => false };

interface QueueEntry {
  job: PoolJob;
  enqueuedAtMs: number;
  state: 'waiting' | 'taken' | 'cancelled';
}

/** A FIFO proxy queue in front of a fixed number of serial workers. */
export class WorkerPool {
  readonly workerCount: number;
  readonly queueTimeoutMs: number;
  #now: () => number;
  #busyWorkers = 0;
  // The queue is an array with a moving head index, because shift() costs O(n) per dequeue.
  #entries: (QueueEntry | undefined)[] = [];
  #headIndex = 0;
  #waitingCount = 0;
  #headTimer: NodeJS.Timeout | undefined;
  #headTimerEntry: QueueEntry | undefined;
  #serviceTimers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.workerCount = options.workerCount;
    this.queueTimeoutMs = options.queueTimeoutMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Number of jobs waiting in the queue. */
  get queueDepth(): number {
    return this.#waitingCount;
  }

  /** Number of workers holding a job. */
  get busyWorkers(): number {
    return this.#busyWorkers;
  }

  /** Whether `close` was called; a closed pool rejects new jobs. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Hands `job` to a free worker, or queues it behind the jobs already waiting. */
  submit(job: PoolJob): PoolTicket {
    if (this.#closed) {
      throw new Error('The worker pool is closed and accepts no more jobs.');
    }

    if (this.#busyWorkers < this.workerCount && this.#waitingCount === 0) {
      this.#startJob(job, this.#now(), 0);
      return startedTicket;
    }

    const entry: QueueEntry = { job, enqueuedAtMs: this.#now(), state: 'waiting' };
    this.#entries.push(entry);
    this.#waitingCount += 1;
    if (this.#waitingCount === 1) {
      this.#armHeadTimer();
    }
    return { queued: true, cancel: () => this.#cancelEntry(entry) };
  }

  /** Stops every timer and drops the waiting jobs without calling them back, so the process can exit. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#headTimer);
    this.#headTimerEntry = undefined;
    for (const timer of this.#serviceTimers) {
      clearTimeout(timer);
    }
    this.#serviceTimers.clear();
    this.#entries = [];
    this.#headIndex = 0;
    this.#waitingCount = 0;
  }

  /** Starts `job` on a worker at the logical time `startedAtMs`, which may lie slightly in the past. */
  #startJob(job: PoolJob, startedAtMs: number, queueWaitMs: number): void {
    this.#busyWorkers += 1;
    const holdMs = job.begin(queueWaitMs);
    const endsAtMs = startedAtMs + holdMs;
    const timer = setTimeout(() => {
      this.#serviceTimers.delete(timer);
      this.#busyWorkers -= 1;
      job.complete(Math.max(0, this.#now() - endsAtMs));
      this.#dispatchWaiting(endsAtMs);
    }, Math.max(0, endsAtMs - this.#now()));
    this.#serviceTimers.add(timer);
  }

  /**
   * Gives the worker freed at the logical time `freedAtMs` to the oldest waiting job, expiring
   * the jobs that had already waited the queue timeout by the time they would have started.
   */
  #dispatchWaiting(freedAtMs: number): void {
    while (this.#busyWorkers < this.workerCount) {
      const entry = this.#takeHead();
      if (entry === undefined) {
        break;
      }
      const startedAtMs = Math.max(freedAtMs, entry.enqueuedAtMs);
      const queueWaitMs = startedAtMs - entry.enqueuedAtMs;
      if (queueWaitMs >= this.queueTimeoutMs) {
        entry.job.expire(this.#now() - entry.enqueuedAtMs);
      } else {
        this.#startJob(entry.job, startedAtMs, queueWaitMs);
      }
    }
    this.#armHeadTimer();
  }

  /** Expires the jobs at the head that reached the timeout. FIFO order with one timeout means the head always expires first. */
  #expireOverdue(): void {
    this.#headTimerEntry = undefined;
    const nowMs = this.#now();
    for (;;) {
      const head = this.#peekHead();
      if (head === undefined || nowMs - head.enqueuedAtMs < this.queueTimeoutMs) {
        break;
      }
      this.#takeHead();
      head.job.expire(nowMs - head.enqueuedAtMs);
    }
    this.#armHeadTimer();
  }

  /** Points the expiry timer at the current head; a timer already set for that head is kept, so busy queues do not re-arm per job. */
  #armHeadTimer(): void {
    const head = this.#peekHead();
    if (head !== undefined && head === this.#headTimerEntry) {
      return;
    }
    clearTimeout(this.#headTimer);
    this.#headTimer = undefined;
    this.#headTimerEntry = head;
    if (head === undefined || this.#closed) {
      return;
    }
    const delayMs = Math.max(0, head.enqueuedAtMs + this.queueTimeoutMs - this.#now());
    this.#headTimer = setTimeout(() => this.#expireOverdue(), delayMs);
  }

  #cancelEntry(entry: QueueEntry): boolean {
    if (entry.state !== 'waiting' || this.#closed) {
      return false;
    }
    entry.state = 'cancelled';
    this.#waitingCount -= 1;
    return true;
  }

  /** Returns the oldest job that is still waiting, skipping cancelled ones. */
  #peekHead(): QueueEntry | undefined {
    while (this.#headIndex < this.#entries.length) {
      const entry = this.#entries[this.#headIndex];
      if (entry !== undefined && entry.state === 'waiting') {
        return entry;
      }
      this.#headIndex += 1;
    }
    this.#compact();
    return undefined;
  }

  #takeHead(): QueueEntry | undefined {
    const entry = this.#peekHead();
    if (entry === undefined) {
      return undefined;
    }
    entry.state = 'taken';
    this.#entries[this.#headIndex] = undefined;
    this.#headIndex += 1;
    this.#waitingCount -= 1;
    this.#compact();
    return entry;
  }

  /** Drops the consumed prefix of the array once it is large and at least half of the array. */
  #compact(): void {
    if (this.#headIndex >= 1024 && this.#headIndex * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#headIndex);
      this.#headIndex = 0;
    }
  }
}
