// The terminal summary of a plan.
import { renderPlanCharts } from './chart.ts';
import type { PlanReport, PlatformPlanReport, TotalPlanReport, WhatIfRow } from './types.ts';

function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.001) {
    return '<0.1 %';
  }
  return `${formatNumber(fraction * 100, 1)} %`;
}

function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${formatNumber(seconds, 2)} s` : `${formatNumber(seconds, 1)} s`;
}

/** Lays out rows of cells as columns: the first left-aligned, the others right-aligned. */
function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   ').trimEnd()).join('\n');
}

type Column = PlatformPlanReport | TotalPlanReport;

function platformTable(report: PlanReport): string {
  const columns: Array<{ name: string; values: Column; isTotal: boolean }> = [
    ...report.platforms.map((platform) => ({ name: platform.name, values: platform as Column, isTotal: false })),
    { name: 'total', values: report.total, isTotal: true },
  ];
  const row = (label: string, cell: (column: Column, isTotal: boolean) => string): string[] => [label, ...columns.map((column) => cell(column.values, column.isTotal))];
  const stagesOf = (column: Column): string => {
    if ('stages' in column) {
      return `${column.stages.stages.length} (${column.stages.stages[0]?.duration.endsWith('ms') ? 'ms' : 's'})`;
    }
    return String(column.stageCount);
  };
  const shapeErrorOf = (column: Column): number => ('stages' in column ? column.stages.worstShapeErrorFraction : column.worstShapeErrorFraction);
  const iterationsOf = (column: Column): number => ('stages' in column ? column.stages.plannedIterations : column.plannedIterations);

  return formatTable([
    ['', ...columns.map((column) => column.name)],
    row('users', (column) => formatNumber(column.users)),
    row('requests per user', (column) => formatNumber(column.requestsPerUser, 1)),
    row('peak users/s', (column) => formatNumber(column.peakUsersPerSecond)),
    row('peak requests/s', (column) => formatNumber(column.peakRequestsPerSecond)),
    row(`in flight at peak`, (column) => formatNumber(column.inFlightAtPeak)),
    row(`servers needed (${report.fleet.concurrencyPerServer}/server)`, (column) => formatNumber(column.serversNeeded)),
    row('recommended VUs (pre/max)', (column) => `${formatNumber(column.preAllocatedVUs)}/${formatNumber(column.maxVUs)}`),
    row('stages', (column) => stagesOf(column)),
    row('worst shape error', (column) => formatPercent(shapeErrorOf(column))),
    row('planned iterations', (column) => formatNumber(iterationsOf(column))),
  ]);
}

function arrivalLines(report: PlanReport): string[] {
  const arrival = report.arrival;
  const parameters =
    arrival.parameters === undefined
      ? ''
      : `, notification at ${formatSeconds(arrival.parameters.notificationAtSeconds)}, median ${formatSeconds(arrival.parameters.medianSeconds)} after it, sigma ${formatNumber(arrival.parameters.sigma, 3)}`;
  return [
    `arrival: ${arrival.model}${parameters} (times below are from the test start)`,
    `  peak ${formatNumber(arrival.peakRatePerSecond)} users/s at ${formatSeconds(arrival.peakAtSeconds)}; ` +
      `50 % arrived by ${formatSeconds(arrival.arrivedBySeconds.p50)}, 90 % by ${formatSeconds(arrival.arrivedBySeconds.p90)}, 99 % by ${formatSeconds(arrival.arrivedBySeconds.p99)}`,
  ];
}

function fleetLines(report: PlanReport): string[] {
  const { fleet, peakSteadyState: peak, prediction } = report;
  const source = fleet.serversSource === 'flag' ? '--servers' : 'the servers needed; set --servers to change';
  const lines = [
    `fleet: ${formatNumber(fleet.servers)} server${fleet.servers === 1 ? '' : 's'} (${source}) × ${fleet.concurrencyPerServer} = ${formatNumber(fleet.servers * fleet.concurrencyPerServer)} concurrent requests, ` +
      `mean latency ${formatNumber(fleet.meanLatencySeconds * 1000, 1)} ms (the bundles' expectedLatencyMs), queue timeout ${formatNumber(fleet.queueTimeoutSeconds, 1)} s`,
    `  sustains ${formatNumber(fleet.sustainableRequestsPerSecond)} requests/s (${formatNumber(fleet.sustainableUsersPerSecond)} users/s) with at most 1 % 503s; ` +
      `at the peak, at those latencies, ${formatPercent(fleet.rejectedShareAtPeak)} would get 503`,
    `against the reference target (profile ${peak.profile}, ${formatNumber(peak.servers)} server${peak.servers === 1 ? '' : 's'}, ${formatNumber(peak.workers)} worker${peak.workers === 1 ? '' : 's'}, mean service ${formatNumber(peak.meanServiceSeconds * 1000, 1)} ms):`,
    `  the peak as a steady state: ${formatNumber(peak.offeredRequestsPerSecond)} requests/s offered, ${formatNumber(peak.admittedRequestsPerSecond)} admitted, ` +
      `${formatPercent(peak.rejectedShare)} 503s, mean queue wait ${formatSeconds(peak.meanWaitSeconds)}`,
  ];
  if (prediction === undefined) {
    lines.push('  the run was not simulated (the last note below says why)');
    return lines;
  }
  const byPlatform = prediction.platforms.map((platform) => `${platform.name} ${formatPercent(platform.admittedShare)}`).join(', ');
  lines.push(
    `  the run, simulated request by request: ${formatPercent(prediction.admittedShare)} of ${formatNumber(prediction.users)} users admitted (${byPlatform}), ` +
      `${formatPercent(prediction.rejectedShare)} of ${formatNumber(prediction.requestsSent)} requests get 503,`,
    `    time to admit p50 ${formatSeconds(prediction.timeToAdmitP50Seconds)}, p95 ${formatSeconds(prediction.timeToAdmitP95Seconds)}, ` +
      `at most ${formatNumber(prediction.admittedUsersPerSecondAtPeak)} users admitted in one second`,
  );
  if (prediction.serversToAdmit99Percent !== undefined) {
    const needed = prediction.serversToAdmit99Percent;
    lines.push(`  the reference backend admits 99 % of the users with ${formatNumber(needed)} server${needed === 1 ? '' : 's'} (simulated; this plan has ${formatNumber(prediction.servers)})`);
  }
  for (const platform of report.platforms) {
    const failing = platform.requestsFailingOnReferenceTarget;
    if (failing.length === 0) continue;
    lines.push(
      `  warning: ${platform.name}: ${failing.length} request${failing.length === 1 ? '' : 's'} per user get a status the bundle does not expect from the reference backend, even when it is idle ` +
        `(${failing.slice(0, 4).map((request) => `${request.name} ${request.status}`).join(', ')}${failing.length > 4 ? ', …' : ''})`,
    );
  }
  return lines;
}

/** Formats the `--what-if` comparison as a table. */
export function formatWhatIf(rows: readonly WhatIfRow[]): string {
  return formatTable([
    ['variant', 'peak users/s', 'req/user', 'peak req/s', 'servers needed', 'peak-second servers', 'fleet sustains users/s', 'predicted admitted users/s', '503 share'],
    ...rows.map((row) => [
      row.label,
      formatNumber(row.peakUsersPerSecond),
      formatNumber(row.requestsPerUser, 1),
      formatNumber(row.peakRequestsPerSecond),
      formatNumber(row.serversNeeded),
      formatNumber(row.serversIfPeakSecondInFlight),
      formatNumber(row.sustainableUsersPerSecond),
      formatNumber(row.predictedAdmittedUsersPerSecond),
      formatPercent(row.predictedRejectedShare),
    ]),
  ]);
}

/** Formats the whole plan for the terminal: arrival, per-platform table, fleet, prediction, charts, what-if. */
export function formatPlanText(report: PlanReport, options: { charts?: boolean } = {}): string {
  const sections = [
    `herd plan: ${report.event.name} (${report.event.file}), scale ${report.event.scale}, ${formatNumber(report.event.users)} users`,
    arrivalLines(report).join('\n'),
    platformTable(report),
    `servers if every request of the peak second were in flight at once: ${formatNumber(report.total.serversIfPeakSecondInFlight, report.total.serversIfPeakSecondInFlight < 10 ? 1 : 0)} ` +
      `(${formatNumber(report.total.peakRequestsPerSecond)} / ${report.fleet.concurrencyPerServer})`,
    fleetLines(report).join('\n'),
  ];
  if (options.charts !== false) {
    sections.push(renderPlanCharts(report));
  }
  if (report.whatIf !== undefined) {
    sections.push(`what if (same fleet of ${formatNumber(report.fleet.servers)} servers):\n${formatWhatIf(report.whatIf)}`);
  }
  sections.push([...report.warnings.map((warning) => `warning: ${warning}`), ...report.notes.map((note) => `note: ${note}`)].join('\n'));
  return sections.join('\n\n');
}
