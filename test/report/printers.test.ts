import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Papa from 'papaparse';
import { analyzeRunFolder } from '../../lib/report/analyze.ts';
import { buildCharts } from '../../lib/report/html-charts.ts';
import { formatHtmlReport, loadChartAssets, toScriptJson } from '../../lib/report/html-report.ts';
import { formatJunitXml } from '../../lib/report/junit-xml.ts';
import { formatMarkdownSummary } from '../../lib/report/markdown-summary.ts';
import { formatTimeSeriesCsv, TIME_SERIES_COLUMNS } from '../../lib/report/timeseries-csv.ts';
import { ALL_PLATFORMS, type ReportData } from '../../lib/report/types.ts';
import { generateSamples, makeTempDir, planFor, removeTempDirs, summaryFor, targetMetricsFor, toK6Csv, writeRunFolder } from './synthetic-run.ts';

after(removeTempDirs);

const START_UNIX_S = 1_796_412_720;
const USERS_PER_SECOND = { mobile: [2, 5, 8, 4, 1], web: [1, 2, 3, 2, 0] };

async function sampleReport(): Promise<ReportData> {
  const samples = generateSamples({ startUnixS: START_UNIX_S, usersPerSecond: USERS_PER_SECOND, vendor503Every: 4 });
  const dir = await writeRunFolder(await makeTempDir('printers'), {
    samplesCsv: toK6Csv(samples),
    summary: summaryFor(samples, 'rate>0.9', false),
    plan: planFor(USERS_PER_SECOND, 9),
    run: { scenario: 'live-event', engine: { kind: 'builtin', version: '0.1.0' }, target: { url: 'http://127.0.0.1:8080', kind: 'reference' } },
    targetMetricsCsv: targetMetricsFor(START_UNIX_S, 5),
  });
  return analyzeRunFolder(dir);
}

test('timeseries.csv has one row per second and platform', async () => {
  const report = await sampleReport();
  const parsed = Papa.parse<Record<string, string>>(formatTimeSeriesCsv(report.rows).trim(), { header: true });

  assert.deepEqual(parsed.meta.fields, TIME_SERIES_COLUMNS.map(([column]) => column));
  assert.equal(parsed.data.length, 5 * 3);
  assert.deepEqual([...new Set(parsed.data.map((row) => row.platform))], [ALL_PLATFORMS, 'mobile', 'web']);
  const admitted = parsed.data.filter((row) => row.platform === ALL_PLATFORMS).reduce((sum, row) => sum + Number(row.admitted_users), 0);
  assert.equal(admitted, report.verdict.admittedUsers);
});

test('junit.xml has one test case per threshold', async () => {
  const report = await sampleReport();
  const xml = formatJunitXml(report);

  assert.equal(xml.match(/<testcase /g)?.length, report.thresholds.length);
  assert.equal(report.thresholds.length, 3);
  assert.equal(xml.match(/<failure /g)?.length, 1);
  assert.match(xml, /<testcase classname="herd_admitted" name="rate&#62;0\.9">\n {6}<failure message="threshold herd_admitted: rate&#62;0\.9 was crossed \(observed 0\.7/);
  assert.match(xml, /<testsuites name="k6-herd" tests="3" failures="1" skipped="0">/);
  assert.match(xml, /classname="http_req_duration\{platform:web\}" name="p\(95\)&#60;500"\/>/);
});

test('summary.md starts with the verdict', async () => {
  const report = await sampleReport();
  const markdown = formatMarkdownSummary(report);

  assert.match(markdown, /^## Herd test: live-event/);
  assert.match(markdown, /\*\*Admitted \d+ of 28 planned users; peak \d+\/s admitted at 2026-12-04T\d\d:\d\d:\d\dZ; 1 of 3 thresholds crossed\.\*\*/);
  assert.match(markdown, /\| `herd_admitted: rate>0\.9` \| \*\*crossed\*\* \|/);
  assert.match(markdown, /\| mobile \| 20 \|/);
});

test('report.html is self-contained with no URL', async () => {
  const report = await sampleReport();
  const html = formatHtmlReport(report, await loadChartAssets());
  // The data block carries the target URL from run.json as text; everything else must have no URL.
  const withoutData = html.replace(/<script type="application\/json" id="herd-chart-data">[\s\S]*?<\/script>/, '').replace(/<dd>http:\/\/127\.0\.0\.1:8080<\/dd>/, '');

  assert.doesNotMatch(withoutData, /https?:\/\//);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /prefers-color-scheme: dark/);
  assert.match(html, /@media print/);
  assert.match(html, /var uPlot=/);
});

test('report.html data cannot close its script element', () => {
  const json = toScriptJson({ name: '</script><script>alert(1)</script>' });

  assert.doesNotMatch(json, /<\/script/i);
  assert.deepEqual(JSON.parse(json), { name: '</script><script>alert(1)</script>' });
});

test('chart data carries the time series numbers', async () => {
  const report = await sampleReport();
  const charts = buildCharts(report);
  const arrivals = charts.find((chart) => chart.id === 'arrivals');
  const requests = charts.find((chart) => chart.id === 'requests');
  const target = charts.find((chart) => chart.id === 'target');
  const all = report.rows.filter((row) => row.platform === ALL_PLATFORMS);

  assert.deepEqual(arrivals?.timesUnixS, all.map((row) => row.timeUnixS));
  assert.deepEqual(arrivals?.series.find((line) => line.label === 'planned arrivals/s')?.values, [3, 7, 11, 6, 1]);
  assert.deepEqual(arrivals?.series.find((line) => line.label === 'admitted users/s')?.values, all.map((row) => row.admittedUsers));
  assert.deepEqual(arrivals?.series.find((line) => line.label === 'predicted admitted users/s')?.values, [9, 9, 9, 9, 9]);
  assert.deepEqual(requests?.series.find((line) => line.label === '503')?.values, all.map((row) => row.requests503));
  assert.deepEqual(target?.series.find((line) => line.label === 'busy workers')?.values.slice(0, 5), [6, 6, 17, 17, 6]);
});

test('charts say why they are empty', async () => {
  const dir = await makeTempDir('printers-empty');
  const charts = buildCharts(await analyzeRunFolder(dir));

  assert.ok(charts.length >= 6);
  for (const chart of charts) {
    assert.equal(chart.timesUnixS.length, 0, chart.id);
    assert.ok((chart.emptyReason ?? '').length > 0, chart.id);
  }
});

test('interrupted run fails junit and verdict', async () => {
  const samples = generateSamples({ startUnixS: START_UNIX_S, usersPerSecond: USERS_PER_SECOND, vendor503Every: 4 });
  const dir = await writeRunFolder(await makeTempDir('interrupted'), {
    samplesCsv: toK6Csv(samples),
    summary: summaryFor(samples, 'rate>0.1', true),
    run: { scenario: 'live-event', engine: { kind: 'builtin', version: '0.1.0' }, interruption: 'stopped by SIGINT', exitCode: 105 },
  });
  const report = await analyzeRunFolder(dir);
  const xml = formatJunitXml(report);
  const markdown = formatMarkdownSummary(report);

  assert.equal(report.verdict.thresholdsCrossed, 0);
  assert.match(xml, /<testcase classname="k6-herd" name="run completed">\n {6}<failure message="the run ended early: stopped by SIGINT" type="interrupted"\/>/);
  assert.match(xml, /<testsuites name="k6-herd" tests="4" failures="1" skipped="0">/);
  assert.match(markdown, /The run ended early \(stopped by SIGINT\), so these figures cover only part of it\./);
});
