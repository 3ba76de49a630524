import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, mock, test } from 'node:test';

import { CronExpressionParser } from 'cron-parser';
import { parseDocument } from 'yaml';

import { main } from '../../cli/main.ts';

/**
 * Actions the workflow may name, each checked against its repository, issues and release notes (December 2026).
 * GitHub removed Node.js 20 from its runners in September 2026, so each entry is a major that moved to node24.
 */
const VERIFIED_ACTIONS: Record<string, string> = {
  'actions/checkout@v5': 'actions/checkout: v5 is the first major on node24',
  'actions/setup-node@v5': 'actions/setup-node: v5 is the first major on node24',
  'actions/upload-artifact@v6': 'actions/upload-artifact: v6 declares runs.using node24 (v5 still ran on node20)',
  // NOTE: the node24 move (merged April 2026) was seen in the issue tracker; no v1 action.yaml with node24 was read.
  'grafana/setup-k6-action@v1': 'grafana/setup-k6-action: README shows @v1, and v1.2.1 is in use with k6 2.3.0',
};

const GITHUB_WORKFLOW = '.github/workflows/herd-test.yml';
const GITLAB_TEMPLATE = 'deploy/gitlab/herd-test.gitlab-ci.yml';

interface WorkflowStep {
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  with?: Record<string, unknown>;
}

function loadYaml(path: string): Record<string, any> {
  const document = parseDocument(readFileSync(path, 'utf8'));
  assert.deepEqual(document.errors.map((error) => error.message), [], `${path} must be valid YAML`);
  return document.toJS() as Record<string, any>;
}

/** Runs `herd gate` with the given words and returns its exit status, printing nothing. */
async function runGateQuietly(words: string[]): Promise<{ status: number; output: string }> {
  const logs = mock.method(console, 'log', () => undefined);
  const errors = mock.method(console, 'error', () => undefined);
  try {
    const status = await main(['gate', ...words]);
    return { status, output: [...logs.mock.calls, ...errors.mock.calls].map((call) => call.arguments.join(' ')).join('\n') };
  } finally {
    logs.mock.restore();
    errors.mock.restore();
  }
}

describe('GitHub Actions workflow', () => {
  const workflow = loadYaml(GITHUB_WORKFLOW);
  const steps = workflow.jobs['herd-test'].steps as WorkflowStep[];

  test('names only verified actions', () => {
    const used = steps.map((step) => step.uses).filter((uses): uses is string => uses !== undefined);
    assert.ok(used.length >= 4);
    for (const uses of used) {
      assert.ok(uses in VERIFIED_ACTIONS, `${uses} is not in the verified list`);
    }
    assert.ok(used.includes('grafana/setup-k6-action@v1'), 'k6 comes from the official setup action');
  });

  test('schedule is a valid cron in quiet hours', () => {
    const schedules = workflow.on.schedule as Array<{ cron: string }>;
    assert.equal(schedules.length, 1);
    const cron = schedules[0]?.cron ?? '';
    const next = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date('2026-06-01T12:00:00Z') }).next().toDate();
    assert.ok(next.getUTCHours() >= 1, `schedule ${cron} fires at ${next.toISOString()}, before 01:00 UTC`);
    assert.ok(next.getUTCHours() < 5, `schedule ${cron} fires at ${next.toISOString()}, after 05:00 UTC`);
  });

  test('manual dispatch takes scale and target', () => {
    const inputs = workflow.on.workflow_dispatch.inputs;
    assert.ok('scale' in inputs);
    assert.ok('target' in inputs);
  });

  test('one run at a time', () => {
    assert.equal(workflow.concurrency.group, 'herd-test');
    assert.equal(workflow.concurrency['cancel-in-progress'], false);
  });

  test('gate runs before make herd-test', () => {
    const gateIndex = steps.findIndex((step) => step.run?.includes('bin/herd.js gate') === true);
    const testIndex = steps.findIndex((step) => step.run?.includes('make herd-test') === true);
    assert.ok(gateIndex >= 0, 'a gate step exists');
    assert.ok(testIndex > gateIndex, 'the herd test runs after the gate');
    assert.match(steps[gateIndex]?.run ?? '', /75\)/, 'the gate step handles exit 75');
    assert.match(steps[testIndex]?.if ?? '', /steps\.gate\.outputs\.go == 'true'/);
  });

  test('results upload and summary run always', () => {
    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@') === true);
    assert.equal(upload?.if, 'always()');
    assert.equal(upload?.with?.path, 'results/');
    const summary = steps.find((step) => step.run?.includes('$GITHUB_STEP_SUMMARY') === true);
    assert.equal(summary?.if, 'always()');
    assert.match(summary?.run ?? '', /results\/\*\/summary\.md/);
  });

  test('secrets reach the gate only through env', () => {
    const text = readFileSync(GITHUB_WORKFLOW, 'utf8');
    for (const line of text.split('\n').filter((candidate) => candidate.includes('secrets.'))) {
      assert.match(line, /^\s+HERD_GATE_[A-Z_]+: \$\{\{ secrets\.HERD_GATE_[A-Z_]+ \}\}$/, `secret used outside a job variable: ${line.trim()}`);
    }
  });

  test('default gate arguments parse', async () => {
    const defaultArgs = /HERD_GATE_ARGS: \$\{\{ vars\.HERD_GATE_ARGS \|\| '([^']+)' \}\}/.exec(readFileSync(GITHUB_WORKFLOW, 'utf8'))?.[1];
    assert.ok(defaultArgs !== undefined, 'the workflow gives default gate arguments');
    process.env.HERD_GATE_POSTGRES_URL = 'postgres://gate:unused@127.0.0.1:9/app';
    try {
      // Outside the window, so the probe is never contacted: only the flags are checked.
      const result = await runGateQuietly([...defaultArgs.split(/\s+/), '--now', '2026-06-01T12:00:00Z']);
      assert.equal(result.status, 75, result.output);
    } finally {
      delete process.env.HERD_GATE_POSTGRES_URL;
    }
  });
});

describe('GitLab CI template', () => {
  const template = loadYaml(GITLAB_TEMPLATE);
  const job = template['herd-test'];

  test('runs on scheduled pipelines', () => {
    const conditions = (job.rules as Array<{ if: string }>).map((rule) => rule.if);
    assert.ok(conditions.includes('$CI_PIPELINE_SOURCE == "schedule"'));
  });

  test('one run at a time and results kept', () => {
    assert.equal(job.resource_group, 'herd-test');
    assert.equal(job.artifacts.when, 'always');
    assert.deepEqual(job.artifacts.paths, ['results/']);
  });

  test('not now is a warning, not a failure', () => {
    assert.deepEqual(job.allow_failure.exit_codes, [75]);
    const script = (job.script as string[]).join('\n');
    assert.match(script, /bin\/herd\.js gate/);
    assert.ok(script.indexOf('bin/herd.js gate') < script.indexOf('make herd-test'));
  });

  test('default gate arguments parse', async () => {
    process.env.HERD_GATE_POSTGRES_URL = 'postgres://gate:unused@127.0.0.1:9/app';
    try {
      const result = await runGateQuietly([...String(job.variables.HERD_GATE_ARGS).split(/\s+/), '--now', '2026-06-01T12:00:00Z']);
      assert.equal(result.status, 75, result.output);
    } finally {
      delete process.env.HERD_GATE_POSTGRES_URL;
    }
  });
});
