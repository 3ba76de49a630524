import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseK8sFlags } from '../../cli/k8s/flags.ts';
import { HerdUserError } from '../../lib/user-error.ts';

test('defaults apply without flags', () => {
  const flags = parseK8sFlags([]);

  assert.equal(flags.eventPath, 'scenarios/live-event.yaml');
  assert.equal(flags.parallelism, 'auto');
  assert.equal(flags.runnerCpuCores, 2);
  assert.equal(flags.runnerMemoryBytes, 4 * 2 ** 30);
  assert.equal(flags.scale, 1);
  assert.equal(flags.maxIterationSeconds, 30);
  assert.equal(flags.outDir, 'deploy/k8s/generated');
  assert.equal(flags.rateCapOverridden, false);
});

test('repeatable flags collect values', () => {
  const flags = parseK8sFlags(['event.yaml', '--env', 'A=1', '--env', 'B=x=y', '--out', 'json=a.json', '--out', 'csv=b.csv', '--data', 'a.csv', '--parallelism', '7']);

  assert.equal(flags.eventPath, 'event.yaml');
  assert.deepEqual(flags.env, [{ name: 'A', value: '1' }, { name: 'B', value: 'x=y' }]);
  assert.deepEqual(flags.outputs, ['json=a.json', 'csv=b.csv']);
  assert.deepEqual(flags.dataPaths, ['a.csv']);
  assert.equal(flags.parallelism, 7);
});

test('bad flags are rejected with exit status 2', () => {
  const badArgs: Array<[string[], RegExp]> = [
    [['--paralelism', '3'], /Unknown option '--paralelism'/],
    [['--parallelism', '0'], /--parallelism "0" is invalid/],
    [['--parallelism', 'many'], /--parallelism "many" is invalid/],
    [['--parallelism', '2.5'], /--parallelism "2.5" is invalid/],
    [['--parallelism', '100000'], /from 1 to 10000/],
    [['--scale', '0'], /--scale "0" is invalid/],
    [['--scale', 'big'], /--scale "big" is invalid/],
    [['--max-iteration-seconds', '-'], /--max-iteration-seconds "-" is invalid/],
    [['--env', 'HERD_MAX_ITERATION_SECONDS=5'], /set by herd k8s itself/],
    [['--runner-cpu', 'two'], /--runner-cpu "two" is not a Kubernetes quantity/],
    [['--runner-memory=-1Gi'], /--runner-memory "-1Gi"/],
    [['--runner-memory', '0'], /must be greater than zero/],
    [['--cleanup', 'always'], /only "post"/],
    [['--name', 'Herd_Test'], /--name "Herd_Test" is invalid/],
    [['--name', 'x'.repeat(51)], /at most 50/],
    [['--namespace', 'load.tests'], /--namespace "load.tests" is invalid/],
    [['--env', 'NOVALUE'], /expected NAME=VALUE/],
    [['--env', '1BAD=x'], /expected NAME=VALUE/],
    [['--env', 'A=1', '--env', 'A=2'], /given twice/],
    [['--env', 'HERD_TARGET=http://x'], /set by herd k8s itself/],
    [['--env', 'API_TOKEN=abc'], /--env-from-secret/],
    [['--env', 'DB_PASSWORD=abc'], /plain text/],
    [['--env-from-secret', 'Bad Secret'], /--env-from-secret "Bad Secret" is invalid/],
    [['--out', 'json=a file.json'], /--out "json=a file.json" is invalid/],
    [['--target'], /argument missing/],
    [['a.yaml', 'b.yaml'], /at most one event file/],
  ];
  for (const [args, message] of badArgs) {
    assert.throws(
      () => parseK8sFlags(args),
      (error: unknown) => {
        assert.ok(error instanceof HerdUserError, `${args.join(' ')}: ${String(error)}`);
        assert.equal(error.exitCode, 2, args.join(' '));
        assert.match(error.message, message, args.join(' '));
        return true;
      },
    );
  }
});
