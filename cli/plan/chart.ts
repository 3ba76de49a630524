// Terminal charts of λ(t) and N(t) from plan data.
import type { PlanReport } from './types.ts';

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Options of `renderColumnChart`. */
export interface ColumnChartOptions {
  title: string;
  /** Unit shown after the maximum on the y axis. */
  unit: string;
  /** Seconds from the test start of the first and last value, for the x axis. */
  fromSeconds: number;
  toSeconds: number;
  heightRows?: number;
}

/** Draws `values` as columns of block characters, one column per value, scaled to the largest value. */
export function renderColumnChart(values: readonly number[], options: ColumnChartOptions): string {
  const heightRows = options.heightRows ?? 8;
  const maxValue = Math.max(0, ...values);
  const levels = values.map((value) => (maxValue > 0 ? (value / maxValue) * heightRows * BLOCKS.length : 0));
  const axisLabel = formatAxisValue(maxValue);
  const labelWidth = Math.max(axisLabel.length, 1);
  const lines = [`${options.title} (max ${axisLabel} ${options.unit})`];

  for (let row = heightRows - 1; row >= 0; row -= 1) {
    const cells = levels.map((level) => {
      const filled = level - row * BLOCKS.length;
      if (filled >= BLOCKS.length) {
        return BLOCKS[BLOCKS.length - 1];
      }
      if (filled <= 0) {
        return row === 0 && level > 0 ? BLOCKS[0] : ' ';
      }
      return BLOCKS[Math.max(0, Math.ceil(filled) - 1)];
    });
    let label = '';
    if (row === heightRows - 1) {
      label = axisLabel;
    } else if (row === 0) {
      label = '0';
    }
    lines.push(`${label.padStart(labelWidth)} │${cells.join('')}`);
  }
  const from = `${Math.round(options.fromSeconds)} s`;
  const to = `${Math.round(options.toSeconds)} s`;
  lines.push(`${' '.repeat(labelWidth)} └${'─'.repeat(values.length)}`);
  lines.push(`${' '.repeat(labelWidth + 2)}${from}${to.padStart(Math.max(1, values.length - from.length))}`);
  return lines.join('\n');
}

function formatAxisValue(value: number): string {
  if (value >= 100) {
    return Math.round(value).toLocaleString('en-US');
  }
  return String(Math.round(value * 10) / 10);
}

/** Chart window: from the first planned start to the time 99.9 % of the users have arrived, so that a long tail does not flatten the peak. */
export function chartWindowSeconds(report: PlanReport): { fromSeconds: number; toSeconds: number } {
  const timeline = report.timeline;
  const total = timeline.reduce((sum, second) => sum + sumValues(second.curveUsers), 0);
  let cumulative = 0;
  let toSeconds = timeline.length;
  for (const second of timeline) {
    cumulative += sumValues(second.curveUsers);
    if (cumulative >= 0.999 * total) {
      toSeconds = second.second + 1;
      break;
    }
  }
  const fromSeconds = Math.floor(Math.min(...report.platforms.map((platform) => platform.stages.startTimeSeconds)));
  return { fromSeconds, toSeconds: Math.max(fromSeconds + 1, toSeconds) };
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((sum, value) => sum + value, 0);
}

/** Draws the planned arrival rate λ(t) and the cumulative arrivals N(t) of all platforms, `widthColumns` wide. */
export function renderPlanCharts(report: PlanReport, widthColumns = 72): string {
  const { fromSeconds, toSeconds } = chartWindowSeconds(report);
  const secondsPerColumn = Math.max(1, Math.ceil((toSeconds - fromSeconds) / widthColumns));
  const rates: number[] = [];
  const cumulative: number[] = [];
  let arrived = report.timeline.filter((second) => second.second < fromSeconds).reduce((sum, second) => sum + sumValues(second.plannedStarts), 0);

  for (let columnStart = fromSeconds; columnStart < toSeconds; columnStart += secondsPerColumn) {
    const seconds = report.timeline.slice(columnStart, Math.min(columnStart + secondsPerColumn, toSeconds));
    const starts = seconds.reduce((sum, second) => sum + sumValues(second.plannedStarts), 0);
    arrived += starts;
    rates.push(seconds.length > 0 ? starts / seconds.length : 0);
    cumulative.push(arrived);
  }
  const window = { fromSeconds, toSeconds };
  const step = secondsPerColumn === 1 ? '1 column = 1 s' : `1 column = ${secondsPerColumn} s`;
  return [
    renderColumnChart(rates, { title: `λ(t): planned arrivals per second, ${step}`, unit: 'users/s', ...window }),
    '',
    renderColumnChart(cumulative, { title: 'N(t): users arrived; the charts end when 99.9 % have, before the last stragglers', unit: 'users', ...window }),
  ].join('\n');
}
