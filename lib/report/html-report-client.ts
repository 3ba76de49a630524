// The script report.html runs in the browser: it draws each chart specification with uPlot.
// Plain ES2017 in a string, because it is inlined into the page and never passes through a bundler.

/** Browser-side source that renders `#herd-chart-data` with the global `uPlot`, and redraws on theme, print and resize. */
export const REPORT_CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var payload = JSON.parse(document.getElementById('herd-chart-data').textContent);
  var rendered = [];
  // Tests and curious readers can inspect what each chart was given.
  window.herdCharts = rendered;

  var STYLES = {
    planned: { color: '--c-planned', width: 2, dash: [8, 5] },
    prediction: { color: '--c-prediction', width: 2, dash: [2, 4] },
    good: { color: '--c-good', width: 1.5 },
    neutral: { color: '--c-neutral', width: 1.5 },
    warning: { color: '--c-warning', width: 1.5 },
    bad: { color: '--c-bad', width: 1.5 },
    alarm: { color: '--c-alarm', width: 3.5 },
    muted: { color: '--c-muted', width: 1 }
  };
  var PALETTE = ['--p0', '--p1', '--p2', '--p3', '--p4', '--p5', '--p6', '--p7'];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function formatValue(value) {
    if (value === null || value === undefined) return '–';
    return Math.abs(value) >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(2);
  }

  function seriesOptions(spec) {
    var paletteIndex = 0;
    return [{ label: 'time (UTC)' }].concat(spec.series.map(function (line) {
      var style = STYLES[line.style] || STYLES.neutral;
      var colorName = line.style === 'palette' ? PALETTE[paletteIndex++ % PALETTE.length] : style.color;
      var options = {
        label: line.label,
        stroke: cssVar(colorName),
        width: style.width || 1.5,
        scale: line.rightAxis ? 'right' : 'y',
        points: { show: false },
        value: function (plot, value) { return formatValue(value); }
      };
      if (style.dash) options.dash = style.dash;
      if (line.spanGaps) options.spanGaps = true;
      return options;
    }));
  }

  function axesOptions(spec) {
    var foreground = cssVar('--fg');
    var grid = { stroke: cssVar('--grid'), width: 1 };
    var axes = [
      { stroke: foreground, grid: grid, ticks: grid },
      { scale: 'y', label: spec.yLabel, stroke: foreground, grid: grid, ticks: grid, size: 60 }
    ];
    var hasRight = spec.series.some(function (line) { return line.rightAxis; });
    if (hasRight) axes.push({ scale: 'right', side: 1, label: spec.rightLabel || '', stroke: foreground, grid: { show: false }, ticks: grid, size: 60 });
    return axes;
  }

  function render() {
    rendered.forEach(function (chart) { if (chart.plot) chart.plot.destroy(); });
    rendered.length = 0;
    payload.charts.forEach(function (spec) {
      var holder = document.getElementById('chart-' + spec.id);
      if (!holder) return;
      holder.textContent = '';
      var data = [spec.timesUnixS].concat(spec.series.map(function (line) { return line.values; }));
      if (spec.timesUnixS.length === 0) {
        var empty = document.createElement('p');
        empty.className = 'empty';
        empty.textContent = 'No data: ' + (spec.emptyReason || 'nothing was measured') + '.';
        holder.appendChild(empty);
        rendered.push({ id: spec.id, title: spec.title, labels: [], data: [], plot: null });
        return;
      }
      var options = {
        width: Math.max(320, holder.clientWidth || 900),
        height: 300,
        series: seriesOptions(spec),
        axes: axesOptions(spec),
        scales: { x: { time: true }, right: { auto: true } },
        tzDate: function (seconds) { return uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'); },
        legend: { live: true }
      };
      var plot = new uPlot(options, data, holder);
      rendered.push({ id: spec.id, title: spec.title, labels: spec.series.map(function (line) { return line.label; }), data: plot.data, plot: plot });
    });
  }

  var resizeTimer = null;
  function renderSoon() {
    if (resizeTimer !== null) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { resizeTimer = null; render(); }, 150);
  }

  render();
  // Canvas colours are fixed when drawn, so a theme change or printing (light colours) needs a redraw.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', render);
  window.matchMedia('print').addEventListener('change', render);
  window.addEventListener('beforeprint', render);
  window.addEventListener('afterprint', render);
  window.addEventListener('resize', renderSoon);
})();
`;
