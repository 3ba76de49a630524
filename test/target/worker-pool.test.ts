import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerPool, type PoolJob } from '../../target/worker-pool.ts';

interface JobLog {
  begun: string[];
  completed: string[];
  expired: string[];
  maxConcurrent: number;
}

/** Builds jobs that hold a worker for `holdMs` and record when they start, finish or expire. */
function createJobFactory(holdMs: number): { log: JobLog; job: (name: string) => PoolJob; settled: () => number } {
  const log: JobLog = { begun: [], completed: [], expired: [], maxConcurrent: 0 };
  let running = 0;
  const job = (name: string): PoolJob => ({
    begin() {
      running += 1;
      log.maxConcurrent = Math.max(log.maxConcurrent, running);
      log.begun.push(name);
      return holdMs;
    },
    complete() {
      running -= 1;
      log.completed.push(name);
    },
    expire() {
      log.expired.push(name);
    },
  });
  return { log, job, settled: () => log.completed.length + log.expired.length };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await sleep(5);
  }
}

test('worker count caps concurrent jobs', async () => {
  const pool = new WorkerPool({ workerCount: 3, queueTimeoutMs: 5000 });
  const { log, job, settled } = createJobFactory(20);
  for (let index = 0; index < 10; index += 1) {
    pool.submit(job(`job-${index}`));
  }

  assert.equal(pool.busyWorkers, 3);
  assert.equal(pool.queueDepth, 7);
  await waitFor(() => settled() === 10, 5000);
  assert.equal(log.maxConcurrent, 3);
  assert.equal(log.completed.length, 10);
  assert.equal(pool.busyWorkers, 0);
  assert.equal(pool.queueDepth, 0);
  pool.close();
});

test('queued jobs start in FIFO order', async () => {
  const pool = new WorkerPool({ workerCount: 1, queueTimeoutMs: 5000 });
  const { log, job, settled } = createJobFactory(5);
  const names = Array.from({ length: 8 }, (_, index) => `job-${index}`);
  for (const name of names) {
    pool.submit(job(name));
  }

  await waitFor(() => settled() === names.length, 5000);
  assert.deepEqual(log.begun, names);
  assert.deepEqual(log.completed, names);
  pool.close();
});

test('queued job expires after the queue timeout', async () => {
  const pool = new WorkerPool({ workerCount: 1, queueTimeoutMs: 50 });
  const { log, job, settled } = createJobFactory(300);
  const expiredWaitsMs: number[] = [];
  const startedAtMs = performance.now();
  pool.submit(job('holder'));
  pool.submit({ ...job('waiter'), expire: (waitMs) => expiredWaitsMs.push(waitMs) });
  pool.submit({ ...job('second-waiter'), expire: (waitMs) => expiredWaitsMs.push(waitMs) });

  await waitFor(() => expiredWaitsMs.length === 2, 2000);
  const elapsedMs = performance.now() - startedAtMs;
  assert.ok(expiredWaitsMs.every((waitMs) => waitMs >= 50), `waits ${expiredWaitsMs.join(', ')} ms`);
  assert.ok(elapsedMs < 290, `expired only after ${elapsedMs} ms, when the holder was nearly done`);
  assert.equal(pool.queueDepth, 0);
  assert.deepEqual(log.begun, ['holder']);

  await waitFor(() => settled() === 1, 2000);
  assert.deepEqual(log.completed, ['holder']);
  pool.close();
});

test('expired job never reaches a worker', async () => {
  let nowMs = 0;
  const pool = new WorkerPool({ workerCount: 1, queueTimeoutMs: 100, now: () => nowMs });
  const { log, job, settled } = createJobFactory(150);
  pool.submit(job('holder'));
  pool.submit(job('late'));
  pool.submit(job('later'));

  // The fake clock stays at 0, so the head timer never sees the waiters expire. When the holder's
  // timer fires, the worker is free at the logical time 150, past the 100 ms timeout of both.
  await waitFor(() => settled() === 3, 2000);
  assert.deepEqual(log.begun, ['holder']);
  assert.deepEqual(log.expired, ['late', 'later']);
  pool.close();
});

test('late timer shortens the next hold', async () => {
  let nowMs = 0;
  const pool = new WorkerPool({ workerCount: 1, queueTimeoutMs: 5000, now: () => nowMs });
  const waitsMs: number[] = [];
  const lagsMs: number[] = [];
  const completedAtMs: number[] = [];
  const timedJob = (holdMs: number): PoolJob => ({
    begin(queueWaitMs) {
      waitsMs.push(queueWaitMs);
      return holdMs;
    },
    complete(lateMs) {
      lagsMs.push(lateMs);
      completedAtMs.push(performance.now());
    },
    expire() {
      assert.fail('no job should expire');
    },
  });
  pool.submit(timedJob(100));
  pool.submit(timedJob(100));
  // The clock runs 80 ms ahead of the first timer, as if the event loop had stalled that long.
  nowMs = 180;

  await waitFor(() => completedAtMs.length === 2, 2000);
  assert.deepEqual(waitsMs, [0, 100]);
  assert.equal(lagsMs[0], 80);
  // The second job started at the logical time 100 and ends at 200, 20 ms after the stalled clock.
  const secondHoldRealMs = completedAtMs[1] - completedAtMs[0];
  assert.ok(secondHoldRealMs < 80, `second hold took ${secondHoldRealMs} ms of real time, not about 20`);
  pool.close();
});

test('cancelled job leaves the queue', async () => {
  const pool = new WorkerPool({ workerCount: 1, queueTimeoutMs: 5000 });
  const { log, job, settled } = createJobFactory(10);
  pool.submit(job('holder'));
  const ticket = pool.submit(job('gone'));
  pool.submit(job('kept'));

  assert.equal(pool.queueDepth, 2);
  assert.equal(ticket.cancel(), true);
  assert.equal(ticket.cancel(), false);
  assert.equal(pool.queueDepth, 1);
  await waitFor(() => settled() === 2, 2000);
  assert.deepEqual(log.begun, ['holder', 'kept']);
  assert.deepEqual(log.expired, []);
  pool.close();
});

test('close drops waiting jobs and timers', async () => {
  const pool = new WorkerPool({ workerCount: 1, queueTimeoutMs: 50 });
  const { log, job } = createJobFactory(30);
  pool.submit(job('holder'));
  pool.submit(job('waiter'));
  pool.close();

  await sleep(100);
  assert.deepEqual(log.completed, []);
  assert.deepEqual(log.expired, []);
  assert.equal(pool.queueDepth, 0);
  assert.throws(() => pool.submit(job('after-close')), /closed/);
});
