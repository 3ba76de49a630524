import { formatCount, formatMs, formatPerSecond, formatShare, formatVerdictLine } from './format.ts';
import { ALL_PLATFORMS, type ReportData } from './types.ts';

/** Prints the few lines `herd report` shows in the terminal: verdict, one line per platform, and notes. */
export function formatTerminalSummary(report: ReportData): string {
  const lines = [formatVerdictLine(report)];
  for (const total of report.totals) {
    const share503 = total.requests === 0 ? null : total.requests503 / total.requests;
    const name = total.platform === ALL_PLATFORMS ? 'all platforms' : total.platform;
    lines.push(`  ${name}: admitted ${formatCount(total.admittedUsers)}, not admitted ${formatCount(total.notAdmittedUsers)}, dropped ${formatCount(total.droppedIterations)}, peak ${formatPerSecond(total.peakAdmittedPerSecond)}, 503 share ${formatShare(share503)}, p95 latency ${formatMs(total.latencyP95Ms)}`);
  }
  for (const note of report.notes) lines.push(`  note: ${note.file} ${note.problem}`);
  return lines.join('\n');
}
