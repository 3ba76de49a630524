import { formatCount, formatMs, formatPerSecond, formatShare, formatVerdictLine } from './format.ts';
import { ALL_PLATFORMS, type ReportData } from './types.ts';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Prints summary.md: the verdict, a per-platform table, thresholds and notes, short enough for a CI job page. */
export function formatMarkdownSummary(report: ReportData): string {
  const lines = [`## Herd test: ${escapeCell(report.title)}`, '', `**${formatVerdictLine(report)}**`, ''];

  lines.push('| platform | planned | admitted | not admitted | dropped | peak admitted | requests | 503 share | p95 latency | p95 time to admit |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const total of report.totals) {
    const share503 = total.requests === 0 ? null : total.requests503 / total.requests;
    const planned = total.plannedArrivals === null ? 'n/a' : formatCount(total.plannedArrivals);
    const name = total.platform === ALL_PLATFORMS ? '**all**' : escapeCell(total.platform);
    lines.push(`| ${name} | ${planned} | ${formatCount(total.admittedUsers)} | ${formatCount(total.notAdmittedUsers)} | ${formatCount(total.droppedIterations)} | ${formatPerSecond(total.peakAdmittedPerSecond)} | ${formatCount(total.requests)} | ${formatShare(share503)} | ${formatMs(total.latencyP95Ms)} | ${formatMs(total.timeToAdmitP95Ms)} |`);
  }

  if (report.thresholds.length > 0) {
    lines.push('', '| threshold | result |', '| --- | --- |');
    for (const threshold of report.thresholds) {
      lines.push(`| \`${escapeCell(threshold.metric)}: ${escapeCell(threshold.expression)}\` | ${threshold.ok ? 'passed' : '**crossed**'} |`);
    }
  }

  if (report.notes.length > 0) {
    lines.push('', 'What the report could not use:');
    for (const note of report.notes) lines.push(`- \`${note.file}\` ${escapeCell(note.problem)}`);
  }
  lines.push('', 'Charts: `report.html` in the run folder; per-second data: `timeseries.csv`.', '');
  return lines.join('\n');
}
