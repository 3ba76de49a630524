// An SVG of λ(t) and N(t), like the charts drawn in planning documents. Self-contained: no fonts
// or scripts are fetched.
import { chartWindowSeconds } from './chart.ts';
import type { PlanReport } from './types.ts';

const WIDTH = 800;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, right: 20, top: 30, bottom: 40 };

interface Panel {
  title: string;
  unit: string;
  points: Array<[number, number]>;
  color: string;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function formatTick(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 10) / 10);
}

function renderPanel(panel: Panel, offsetY: number, fromSeconds: number, toSeconds: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxValue = Math.max(1e-9, ...panel.points.map(([, value]) => value));
  const x = (seconds: number): number => MARGIN.left + ((seconds - fromSeconds) / Math.max(1e-9, toSeconds - fromSeconds)) * plotWidth;
  const y = (value: number): number => offsetY + MARGIN.top + plotHeight - (value / maxValue) * plotHeight;
  const path = panel.points.map(([seconds, value]) => `${x(seconds).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
  const bottom = offsetY + MARGIN.top + plotHeight;

  return [
    `<text x="${MARGIN.left}" y="${offsetY + 18}" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#444"/>`,
    `<line x1="${MARGIN.left}" y1="${offsetY + MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#444"/>`,
    `<text x="${MARGIN.left - 6}" y="${offsetY + MARGIN.top + 4}" font-size="11" text-anchor="end">${formatTick(maxValue)}</text>`,
    `<text x="${MARGIN.left - 6}" y="${bottom}" font-size="11" text-anchor="end">0</text>`,
    `<text x="${MARGIN.left - 6}" y="${offsetY + MARGIN.top + plotHeight / 2}" font-size="11" text-anchor="end">${escapeXml(panel.unit)}</text>`,
    `<text x="${MARGIN.left}" y="${bottom + 16}" font-size="11">${Math.round(fromSeconds)} s</text>`,
    `<text x="${WIDTH - MARGIN.right}" y="${bottom + 16}" font-size="11" text-anchor="end">${Math.round(toSeconds)} s</text>`,
    `<polyline fill="none" stroke="${panel.color}" stroke-width="2" points="${path}"/>`,
  ].join('\n');
}

/** Renders the plan's arrival rate and cumulative arrivals (all platforms) as an SVG document. */
export function renderPlanSvg(report: PlanReport): string {
  const { fromSeconds, toSeconds } = chartWindowSeconds(report);
  const seconds = report.timeline.filter((second) => second.second >= fromSeconds && second.second < toSeconds);
  const startsOf = (second: (typeof seconds)[number]): number => Object.values(second.plannedStarts).reduce((sum, value) => sum + value, 0);
  let arrived = report.timeline.filter((second) => second.second < fromSeconds).reduce((sum, second) => sum + startsOf(second), 0);
  const ratePoints: Array<[number, number]> = [];
  const cumulativePoints: Array<[number, number]> = [[fromSeconds, arrived]];
  for (const second of seconds) {
    ratePoints.push([second.second + 0.5, startsOf(second)]);
    arrived += startsOf(second);
    cumulativePoints.push([second.second + 1, arrived]);
  }

  const title = `${report.event.name}: ${report.event.users.toLocaleString('en-US')} users, peak ${Math.round(report.total.peakUsersPerSecond).toLocaleString('en-US')} users/s`;
  const height = 2 * PANEL_HEIGHT + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="18" font-size="15" text-anchor="middle">${escapeXml(title)}</text>`,
    renderPanel({ title: 'λ(t): planned arrivals per second', unit: 'users/s', points: ratePoints, color: '#c0392b' }, 20, fromSeconds, toSeconds),
    renderPanel({ title: 'N(t): users arrived', unit: 'users', points: cumulativePoints, color: '#2c6fbb' }, 20 + PANEL_HEIGHT, fromSeconds, toSeconds),
    '</svg>',
    '',
  ].join('\n');
}
