import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatDurationMs, textSummary } from '../../lib/report/text-summary.ts';
import type { SummaryData, SummaryMetric } from '../../lib/report/text-summary.ts';

// Outputs measured with k6 v0.49; the tests that compare against them skip where they are absent.
// They sit in the shared folder beside the repository, as on developers' machines and in CI.
const referenceDir = process.env.K6_REFERENCE_DIR ?? fileURLToPath(new URL('../../../shared/k6-reference', import.meta.url));
const skipWithoutReference = existsSync(referenceDir) ? false : `k6 reference outputs not found in ${referenceDir}`;

/** Turns a `--summary-export` metric (flat values, `true` = crossed) into the handleSummary shape. */
function fromExportMetric(name: string, exported: Record<string, unknown>): SummaryMetric {
  const values: Record<string, number> = {};
  let thresholds: SummaryMetric['thresholds'];
  for (const [key, value] of Object.entries(exported)) {
    if (key === 'thresholds') {
      thresholds = {};
      for (const [expression, crossed] of Object.entries(value as Record<string, boolean>)) thresholds[expression] = { ok: !crossed };
      continue;
    }
    values[key] = value as number;
  }
  let type: SummaryMetric['type'] = 'trend';
  if ('passes' in values) {
    type = 'rate';
    values.rate = values.value ?? 0;
    delete values.value;
  } else if ('count' in values) type = 'counter';
  else if ('value' in values) type = 'gauge';
  let contains: SummaryMetric['contains'] = 'default';
  if (type === 'trend') contains = 'time';
  if (name.startsWith('data_')) contains = 'data';
  return thresholds === undefined ? { type, contains, values } : { type, contains, values, thresholds };
}

function loadDroppedRun(): SummaryData {
  const exported = JSON.parse(readFileSync(`${referenceDir}/dropped-export.json`, 'utf8')) as { metrics: Record<string, Record<string, unknown>> };
  const metrics: Record<string, SummaryMetric> = {};
  for (const [name, metric] of Object.entries(exported.metrics)) metrics[name] = fromExportMetric(name, metric);
  return { metrics, root_group: { name: '', path: '', id: '', groups: [], checks: [] } };
}

test('text summary matches k6 output for the dropped run', { skip: skipWithoutReference }, () => {
  const stdout = readFileSync(`${referenceDir}/dropped-stdout.txt`, 'utf8').split('\n');
  const first = stdout.findIndex((line) => line.includes('data_received'));
  const last = stdout.findIndex((line) => line.includes('vus_max'));
  const expected = stdout.slice(first, last + 1);

  const actual = textSummary(loadDroppedRun(), { indent: ' ', enableColors: false }).split('\n');

  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.equal(actual[i], expected[i]);
});

test('text summary lists checks by group', { skip: skipWithoutReference }, () => {
  const data = JSON.parse(readFileSync(`${referenceDir}/handle-summary-data.json`, 'utf8')) as SummaryData;
  const lines = textSummary(data, { enableColors: false }).split('\n');

  assert.equal(lines[0], '     ✓ refresh 200');
  assert.ok(lines.includes('     █ enter event'));
  assert.ok(lines.includes('       ✓ render 200'));
  assert.ok(lines.some((line) => line.startsWith('     ✓ { platform:web }.............: avg=')));
  assert.ok(lines.some((line) => line.startsWith('       { expected_response:true }...: avg=')));
});

test('text summary shows a failed check with its pass share', () => {
  const data: SummaryData = {
    metrics: {},
    root_group: { name: '', path: '', id: '', groups: [], checks: [{ name: 'is 200', path: '::is 200', id: '', passes: 1, fails: 3 }] },
  };

  const lines = textSummary(data, { enableColors: false }).split('\n');

  assert.equal(lines[0], '     ✗ is 200');
  assert.equal(lines[1], '      █  25% — ✓ 1 / ✗ 3');
});

test('text summary colours only when enabled', { skip: skipWithoutReference }, () => {
  const data = JSON.parse(readFileSync(`${referenceDir}/handle-summary-data.json`, 'utf8')) as SummaryData;

  assert.ok(textSummary(data).includes('\x1b[36m'));
  assert.ok(!textSummary(data, { enableColors: false }).includes('\x1b['));
});

test('duration formatting uses k6 units', () => {
  assert.equal(formatDurationMs(0), '0s');
  assert.equal(formatDurationMs(0.000711), '711ns');
  assert.equal(formatDurationMs(0.003412), '3.41µs');
  assert.equal(formatDurationMs(11.4399), '11.43ms');
  assert.equal(formatDurationMs(1500), '1.5s');
  assert.equal(formatDurationMs(123000), '2m3s');
  assert.equal(formatDurationMs(3723000), '1h2m3s');
  assert.equal(formatDurationMs(12.5, 'ms'), '12.50ms');
});

test('byte formatting uses decimal units', () => {
  assert.equal(formatBytes(7), '7 B');
  assert.equal(formatBytes(58797), '59 kB');
  assert.equal(formatBytes(4879.9), '4.9 kB');
  assert.equal(formatBytes(2_500_000), '2.5 MB');
});
