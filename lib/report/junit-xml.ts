import type { ReportData, ThresholdResult } from './types.ts';

/** Escapes text for an XML attribute or text node. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function formatTestCase(threshold: ThresholdResult): string {
  const name = escapeXml(threshold.expression);
  const classname = escapeXml(threshold.metric);
  if (threshold.ok) return `    <testcase classname="${classname}" name="${name}"/>`;
  const observed = threshold.observed === null ? '' : ` (observed ${threshold.observed})`;
  const message = escapeXml(`threshold ${threshold.metric}: ${threshold.expression} was crossed${observed}`);
  return `    <testcase classname="${classname}" name="${name}">\n      <failure message="${message}" type="threshold"/>\n    </testcase>`;
}

/**
 * Prints junit.xml: one test case per k6 threshold, failing when the threshold was crossed. Without
 * summary.json the thresholds are unknown, and a single skipped test case states why. A run that
 * ended early gets one more failing test case, `run completed`.
 */
export function formatJunitXml(report: ReportData): string {
  const suiteName = escapeXml(`k6 thresholds: ${report.title}`);
  const cases = report.thresholds.map(formatTestCase);
  let tests = report.thresholds.length;
  let skipped = 0;
  if (!report.verdict.thresholdsKnown) {
    cases.push('    <testcase classname="k6-herd" name="thresholds">\n      <skipped message="summary.json is missing or unreadable, so the thresholds are unknown"/>\n    </testcase>');
    tests += 1;
    skipped = 1;
  }
  let failures = report.verdict.thresholdsCrossed;
  // Thresholds judged on part of a run can all pass, so a CI page must see the interruption itself.
  if (report.run.interruption !== undefined) {
    cases.push(`    <testcase classname="k6-herd" name="run completed">\n      <failure message="${escapeXml(`the run ended early: ${report.run.interruption}`)}" type="interrupted"/>\n    </testcase>`);
    tests += 1;
    failures += 1;
  }
  const timestamp = report.run.startedAtUtc === undefined ? '' : ` timestamp="${escapeXml(report.run.startedAtUtc)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="k6-herd" tests="${tests}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${suiteName}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}"${timestamp}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
