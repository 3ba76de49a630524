// Prints report.html: one self-contained page (uPlot, styles and data inlined) that opens offline.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { formatCount, formatMs, formatPerSecond, formatShare, formatVerdictLine } from './format.ts';
import { buildCharts, type ChartSpec } from './html-charts.ts';
import { REPORT_CLIENT_SCRIPT } from './html-report-client.ts';
import { REPORT_STYLES } from './html-report-styles.ts';
import { ALL_PLATFORMS, type PredictionItem, type ReportData } from './types.ts';

/** The charting library's script and stylesheet, inlined into every report. */
export interface ChartAssets {
  uplotScript: string;
  uplotStyles: string;
}

/** Reads uPlot's browser build and stylesheet from node_modules. */
export async function loadChartAssets(): Promise<ChartAssets> {
  const require = createRequire(import.meta.url);
  const [uplotScript, uplotStyles] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ]);
  // The banner's link is the page's only URL; keeping the name without the scheme keeps the credit and a page with no URL at all.
  return { uplotScript: uplotScript.replace(/https?:\/\//g, ''), uplotStyles };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Serialises data for a `<script type="application/json">` element, so no string in it can close the element. */
export function toScriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// Blocks every fetch, so a report opened from disk or a CI artefact server cannot reach any network.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** Prints the whole report page. */
export function formatHtmlReport(report: ReportData, assets: ChartAssets): string {
  const charts = buildCharts(report);
  const title = `Herd test report: ${report.title}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<style>${assets.uplotStyles}</style>
<style>${REPORT_STYLES}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="verdict ${verdictClass(report)}" id="verdict">${escapeHtml(formatVerdictLine(report))}</p>
${formatRunFacts(report)}
</header>
<main>
${formatNotes(report)}
${formatTotalsTable(report)}
${formatThresholdsTable(report)}
${formatPredictionTable(report)}
<noscript><p class="empty">The charts need JavaScript; every number is also in timeseries.csv beside this file.</p></noscript>
${charts.map(formatChartSection).join('\n')}
${formatNameTable(report)}
</main>
<footer>Built by <code>herd report</code> from ${escapeHtml(report.sampleStats.format === 'none' ? 'no samples' : `${formatCount(report.sampleStats.samples)} samples`)}. Times are UTC.</footer>
<script type="application/json" id="herd-chart-data">${toScriptJson({ charts })}</script>
<script>${assets.uplotScript}</script>
<script>${REPORT_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function verdictClass(report: ReportData): string {
  const { verdict } = report;
  if (verdict.thresholdsCrossed > 0) return 'verdict-crossed';
  if (verdict.users !== null && verdict.users > 0 && verdict.admittedUsers < verdict.users) return 'verdict-short';
  return 'verdict-ok';
}

function formatRunFacts(report: ReportData): string {
  const { run } = report;
  const facts: Array<[string, string | undefined]> = [
    ['engine', run.engine === undefined ? undefined : `${run.engine}${run.engineVersion === undefined ? '' : ` ${run.engineVersion}`}`],
    ['target', run.targetUrl],
    ['scale', run.scale === undefined ? undefined : String(run.scale)],
    ['started', run.startedAtUtc],
    ['ended', run.endedAtUtc],
    ['exit status', run.exitCode === undefined ? undefined : String(run.exitCode)],
    ['stopped early', run.interruption],
    ['git revision', run.gitRevision],
    ['host', run.host],
  ];
  const items = facts.filter((fact): fact is [string, string] => fact[1] !== undefined)
    .map(([name, value]) => `<div><dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd></div>`);
  const baseline = run.gateBaseline === undefined ? '' : `<details><summary>Database baseline from the gate</summary><pre>${escapeHtml(JSON.stringify(run.gateBaseline, null, 2))}</pre></details>`;
  return `<dl class="facts">${items.join('')}</dl>${baseline}`;
}

function formatNotes(report: ReportData): string {
  if (report.notes.length === 0) return '';
  const items = report.notes.map((note) => `<li><code>${escapeHtml(note.file)}</code> ${escapeHtml(note.problem)}</li>`);
  return `<section class="notes" id="notes"><h2>What this report could not use</h2><ul>${items.join('')}</ul></section>`;
}

function formatTotalsTable(report: ReportData): string {
  if (report.totals.length === 0) return '';
  const rows = report.totals.map((total) => {
    const share503 = total.requests === 0 ? null : total.requests503 / total.requests;
    const cells = [
      total.platform === ALL_PLATFORMS ? 'all platforms' : total.platform,
      total.plannedArrivals === null ? 'n/a' : formatCount(total.plannedArrivals),
      formatCount(total.startedIterations),
      formatCount(total.admittedUsers),
      formatCount(total.notAdmittedUsers),
      formatCount(total.droppedIterations),
      formatPerSecond(total.peakAdmittedPerSecond),
      formatCount(total.requests),
      formatShare(share503),
      formatMs(total.latencyP95Ms),
      formatMs(total.timeToAdmitP95Ms),
    ];
    return `<tr>${cells.map((cell, index) => (index === 0 ? `<th scope="row">${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`;
  });
  const header = ['platform', 'planned users', 'started', 'admitted', 'not admitted', 'dropped', 'peak admitted', 'requests', '503 share', 'p95 latency', 'p95 time to admit'];
  return `<section><h2>Totals</h2><table id="totals"><thead><tr>${header.map((cell) => `<th scope="col">${cell}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function formatThresholdsTable(report: ReportData): string {
  if (report.thresholds.length === 0) return '';
  const rows = report.thresholds.map((threshold) => {
    const result = threshold.ok ? '<td class="pass">passed</td>' : '<td class="fail">crossed</td>';
    const observed = threshold.observed === null ? 'n/a' : String(Number(threshold.observed.toFixed(4)));
    return `<tr><th scope="row"><code>${escapeHtml(threshold.metric)}</code></th><td><code>${escapeHtml(threshold.expression)}</code></td><td>${escapeHtml(observed)}</td>${result}</tr>`;
  });
  return `<section><h2>Thresholds</h2><table id="thresholds"><thead><tr><th scope="col">metric</th><th scope="col">threshold</th><th scope="col">observed</th><th scope="col">result</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function formatPredictionTable(report: ReportData): string {
  if (report.prediction.length === 0) return '';
  const formatValue = (value: number, item: PredictionItem): string => {
    if (item.kind === 'admittedShare' || item.kind === 'share503') return `${(value * 100).toFixed(1)} %`;
    if (item.kind === 'users' || item.kind === 'requests') return formatCount(value);
    return `${Number(value.toFixed(item.unit === '' ? 1 : 2))}${item.unit === '' ? '' : ` ${item.unit}`}`;
  };
  const formatRow = (item: PredictionItem): string => {
    const measured = item.measured === null ? 'not measured' : formatValue(item.measured, item);
    return `<tr><th scope="row"><code>${escapeHtml(item.key)}</code></th><td>${escapeHtml(formatValue(item.predicted, item))}</td><td>${escapeHtml(measured)}</td></tr>`;
  };
  // Quantities the run measures come first; the planner's other numbers (model inputs and intermediates) fold away.
  const paired = report.prediction.filter((item) => item.measured !== null);
  const unpaired = report.prediction.filter((item) => item.measured === null);
  const header = '<thead><tr><th scope="col">predicted quantity</th><th scope="col">predicted</th><th scope="col">measured</th></tr></thead>';
  const others = unpaired.length === 0 ? '' : `<details><summary>${unpaired.length} more predicted numbers without a measurement</summary><table>${header}<tbody>${unpaired.map(formatRow).join('')}</tbody></table></details>`;
  const caption =
    'plan.json simulates the whole run against the reference backend; replayed.* is the same simulation with the start times this run achieved. ' +
    'Measurements: the busiest second for users per second, the whole run for everything else (503s of all requests, admitted of started plus dropped users, time to admit at the same percentile).';
  return `<section><h2>The plan's prediction and the measurement</h2><p class="caption">${escapeHtml(caption)}</p><table id="prediction">${header}<tbody>${paired.map(formatRow).join('')}</tbody></table>${others}</section>`;
}

function formatChartSection(chart: ChartSpec): string {
  return `<section class="chart-card"><h2>${escapeHtml(chart.title)}</h2><p class="caption">${escapeHtml(chart.caption)}</p><div class="chart" id="chart-${escapeHtml(chart.id)}"></div></section>`;
}

function formatNameTable(report: ReportData): string {
  if (report.latencyByName.length === 0) return '';
  const rows = report.latencyByName.map((named) => `<tr><th scope="row">${escapeHtml(named.name)}</th><td>${formatCount(named.requests)}</td><td>${formatMs(named.p50Ms)}</td><td>${formatMs(named.p95Ms)}</td><td>${formatMs(named.p99Ms)}</td></tr>`);
  return `<section><h2>Latency per request name, whole run</h2><table id="latency-by-name"><thead><tr><th scope="col">request name</th><th scope="col">requests</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
