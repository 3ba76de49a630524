// Chart specifications for report.html: plain columnar data that the page's script hands to uPlot.
// Building them here keeps the numbers testable without a browser.
import { ALL_PLATFORMS, type ReportData, type TimeSeriesRow } from './types.ts';

/** Drawing style of a series, which the page maps to a colour, width and dash pattern. */
export type SeriesStyle = 'planned' | 'prediction' | 'good' | 'neutral' | 'warning' | 'bad' | 'alarm' | 'muted' | 'palette';

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  style: SeriesStyle;
  /** One value per entry of the chart's `timesUnixS`; null where there is no value. */
  values: Array<number | null>;
  /** Draw on the right-hand axis (for a second unit in the same chart). */
  rightAxis?: boolean;
  /** Join the line across seconds without a value: for gauges sampled less often than once a second. */
  spanGaps?: boolean;
}

/** One chart of the report. */
export interface ChartSpec {
  id: string;
  title: string;
  /** Explanation under the title: what the chart shows and how to read it, in one or two sentences. */
  caption: string;
  yLabel: string;
  rightLabel?: string;
  timesUnixS: number[];
  series: ChartSeries[];
  /** Reason the chart has no data, shown in place of the chart when `timesUnixS` is empty. */
  emptyReason?: string;
}

function rowsOf(report: ReportData, platform: string): TimeSeriesRow[] {
  return report.rows.filter((row) => row.platform === platform);
}

/** Builds every chart of the report from its data, in page order. */
export function buildCharts(report: ReportData): ChartSpec[] {
  const all = rowsOf(report, ALL_PLATFORMS);
  const times = all.map((row) => row.timeUnixS);
  const noSamples = 'no samples were read (see the notes above)';
  const charts = [
    arrivalsChart(report, all, times),
    ...(report.platforms.length > 1 ? [platformArrivalsChart(report, times)] : []),
    requestsChart(all, times),
    latencyChart(all, times),
    latencyByNameChart(report, times),
    timeToAdmitChart(report, all, times),
    vusChart(all, times),
    targetChart(report, all),
  ];
  for (const chart of charts) {
    if (chart.timesUnixS.length === 0) chart.emptyReason ??= noSamples;
  }
  return charts;
}

function arrivalsChart(report: ReportData, all: TimeSeriesRow[], times: number[]): ChartSpec {
  const series: ChartSeries[] = [];
  if (all.some((row) => row.plannedArrivals !== null)) series.push({ label: 'planned arrivals/s', style: 'planned', values: all.map((row) => row.plannedArrivals) });
  series.push(
    { label: 'started iterations/s', style: 'neutral', values: all.map((row) => row.startedIterations) },
    { label: 'admitted users/s', style: 'good', values: all.map((row) => row.admittedUsers) },
    { label: 'not admitted users/s', style: 'warning', values: all.map((row) => row.notAdmittedUsers) },
    { label: 'dropped iterations/s', style: 'bad', values: all.map((row) => row.droppedIterations) },
  );
  const predicted = predictedAdmittedValues(report, times);
  if (predicted !== undefined) series.push({ label: 'predicted admitted users/s', style: 'prediction', values: predicted });
  return {
    id: 'arrivals',
    title: 'Arrivals per second: planned and achieved',
    caption: 'Started iterations should follow the planned curve. Dropped iterations mean the load generator had no free VU; a gap between started and admitted means the backend did not keep up.',
    yLabel: 'per second',
    timesUnixS: times,
    series,
  };
}

/** Lines up the plan's predicted admitted rate with the chart's seconds: a series when the plan has one, else a flat peak line. */
function predictedAdmittedValues(report: ReportData, times: number[]): Array<number | null> | undefined {
  if (report.predictedAdmittedSeries.length > 0) {
    const bySecond = new Map(report.predictedAdmittedSeries.map((point) => [Math.floor(point.timeUnixS), point.admittedPerSecond]));
    return times.map((time) => bySecond.get(time) ?? null);
  }
  const peak = report.prediction.find((item) => item.kind === 'peakAdmittedPerSecond' && item.platform === ALL_PLATFORMS);
  return peak === undefined ? undefined : times.map(() => peak.predicted);
}

function platformArrivalsChart(report: ReportData, times: number[]): ChartSpec {
  const series: ChartSeries[] = [];
  for (const platform of report.platforms) {
    const rows = rowsOf(report, platform);
    if (rows.some((row) => row.plannedArrivals !== null)) series.push({ label: `${platform} planned/s`, style: 'planned', values: rows.map((row) => row.plannedArrivals) });
    series.push({ label: `${platform} started/s`, style: 'palette', values: rows.map((row) => row.startedIterations) });
    series.push({ label: `${platform} admitted/s`, style: 'palette', values: rows.map((row) => row.admittedUsers) });
  }
  return {
    id: 'platform-arrivals',
    title: 'Arrivals per second by platform',
    caption: 'The same curves per platform, so a platform that falls behind stands out.',
    yLabel: 'per second',
    timesUnixS: times,
    series,
  };
}

function requestsChart(all: TimeSeriesRow[], times: number[]): ChartSpec {
  return {
    id: 'requests',
    title: 'Requests per second by status',
    caption: '503 is drawn on its own, thick and red: it is what the proxy answers when a request waited too long in its queue. "Failed to connect" counts requests that got no HTTP response (status 0).',
    yLabel: 'requests/s',
    timesUnixS: times,
    series: [
      { label: '2xx', style: 'good', values: all.map((row) => row.requests2xx) },
      { label: '3xx', style: 'neutral', values: all.map((row) => row.requests3xx) },
      { label: '4xx', style: 'warning', values: all.map((row) => row.requests4xx) },
      { label: '5xx other than 503', style: 'bad', values: all.map((row) => row.requests5xx - row.requests503) },
      { label: '503', style: 'alarm', values: all.map((row) => row.requests503) },
      { label: 'failed to connect', style: 'muted', values: all.map((row) => row.requestsFailedToConnect) },
    ],
  };
}

function latencyChart(all: TimeSeriesRow[], times: number[]): ChartSpec {
  return {
    id: 'latency',
    title: 'Request latency percentiles, all requests',
    caption: 'http_req_duration per second, from an HDR histogram (1 % resolution).',
    yLabel: 'ms',
    timesUnixS: times,
    series: [
      { label: 'p50', style: 'good', values: all.map((row) => row.latencyP50Ms) },
      { label: 'p95', style: 'warning', values: all.map((row) => row.latencyP95Ms) },
      { label: 'p99', style: 'bad', values: all.map((row) => row.latencyP99Ms) },
    ],
  };
}

function latencyByNameChart(report: ReportData, times: number[]): ChartSpec {
  const series: ChartSeries[] = report.latencyByName.map((named) => {
    const bySecond = new Map(named.points.map((point) => [point.timeUnixS, point.p95Ms]));
    return { label: `${named.name} p95`, style: 'palette', values: times.map((time) => bySecond.get(time) ?? null) };
  });
  return {
    id: 'latency-by-name',
    title: 'p95 latency per request name',
    caption: 'Which request slows down first. Requests are grouped by their k6 `name` tag.',
    yLabel: 'ms',
    timesUnixS: series.length === 0 ? [] : times,
    series,
    ...(series.length === 0 && times.length > 0 ? { emptyReason: 'no http_req_duration samples' } : {}),
  };
}

function timeToAdmitChart(report: ReportData, all: TimeSeriesRow[], times: number[]): ChartSpec {
  const series: ChartSeries[] = [
    { label: 'p50', style: 'good', values: all.map((row) => row.timeToAdmitP50Ms) },
    { label: 'p95', style: 'warning', values: all.map((row) => row.timeToAdmitP95Ms) },
  ];
  const predicted = report.prediction.find((item) => item.kind === 'timeToAdmit' && item.platform === ALL_PLATFORMS);
  if (predicted !== undefined) {
    const predictedMs = predicted.unit === 's' ? predicted.predicted * 1000 : predicted.predicted;
    series.push({ label: `predicted (${predicted.key})`, style: 'prediction', values: times.map(() => predictedMs) });
  }
  const hasData = all.some((row) => row.timeToAdmitP50Ms !== null);
  return {
    id: 'time-to-admit',
    title: 'Time to admit a user',
    caption: 'herd_time_to_admit: from a user\'s arrival until the last request of the bundle answered.',
    yLabel: 'ms',
    timesUnixS: hasData ? times : [],
    series,
    ...(!hasData && times.length > 0 ? { emptyReason: 'no herd_time_to_admit samples' } : {}),
  };
}

function vusChart(all: TimeSeriesRow[], times: number[]): ChartSpec {
  const series: ChartSeries[] = [{ label: 'VUs', style: 'neutral', values: all.map((row) => row.vus), spanGaps: true }];
  if (all.some((row) => row.scheduleLagP99Ms !== null)) {
    series.push({ label: 'schedule lag p99 (ms)', style: 'bad', values: all.map((row) => row.scheduleLagP99Ms), rightAxis: true });
  }
  return {
    id: 'vus',
    title: 'VUs in use and schedule lag',
    caption: 'Active VUs of the load generator; schedule lag is how late iterations started against the plan (built-in engine only).',
    yLabel: 'VUs',
    rightLabel: 'ms',
    timesUnixS: times,
    series,
  };
}

function targetChart(report: ReportData, all: TimeSeriesRow[]): ChartSpec {
  const clientBySecond = new Map(all.map((row) => [row.timeUnixS, row.requests503]));
  const targetBySecond = new Map(report.targetMetrics.map((row) => [row.timeUnixS, row]));
  const seconds = [...new Set([...targetBySecond.keys(), ...(targetBySecond.size > 0 ? clientBySecond.keys() : [])])].sort((a, b) => a - b);
  return {
    id: 'target',
    title: "The target's view beside the clients' view",
    caption: "Queue depth and busy workers as the target's /metrics reported them once a second, with the proxy's 503s (queue timeouts) and the 503s the clients received.",
    yLabel: 'requests / workers',
    rightLabel: '503s/s',
    timesUnixS: seconds,
    series: [
      { label: 'queue depth', style: 'warning', values: seconds.map((second) => targetBySecond.get(second)?.queueDepth ?? null) },
      { label: 'busy workers', style: 'neutral', values: seconds.map((second) => targetBySecond.get(second)?.workersBusy ?? null) },
      { label: 'workers in all', style: 'muted', values: seconds.map((second) => targetBySecond.get(second)?.workersTotal ?? null) },
      { label: "target's 503s/s (queue timeouts)", style: 'bad', values: seconds.map((second) => targetBySecond.get(second)?.queueTimeouts ?? null), rightAxis: true },
      { label: "clients' 503s/s", style: 'alarm', values: seconds.map((second) => clientBySecond.get(second) ?? null), rightAxis: true },
    ],
    ...(seconds.length === 0 ? { emptyReason: 'target-metrics.csv is missing or empty (see the notes above)' } : {}),
  };
}
