import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildReport } from '../../lib/report/build-report.ts';
import { ALL_PLATFORMS } from '../../lib/report/types.ts';
import { generateSamples, makeTempDir, planFor, removeTempDirs, summaryFor, targetMetricsFor, toK6Csv, writeRunFolder } from './synthetic-run.ts';

after(removeTempDirs);

const CHROMIUM_PATH = '/usr/bin/chromium';
const skipReason = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed (Debian package chromium; make test installs it when run as root)`;
const START_UNIX_S = 1_796_412_720;
const USERS_PER_SECOND = { mobile: [2, 5, 9, 6, 2], web: [1, 3, 4, 2, 1] };

interface RenderedChart {
  id: string;
  labels: string[];
  data: Array<Array<number | null>>;
}

async function launchBrowser(userDataDir: string, colorScheme: 'light' | 'dark'): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    colorScheme,
    viewport: { width: 1100, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

test('report opens in headless Chromium without errors or requests', { skip: skipReason, timeout: 90_000 }, async () => {
  const samples = generateSamples({ startUnixS: START_UNIX_S, usersPerSecond: USERS_PER_SECOND, vendor503Every: 4 });
  const runDir = await writeRunFolder(await makeTempDir('browser-run'), {
    samplesCsv: toK6Csv(samples),
    summary: summaryFor(samples, 'rate>0.9', false),
    plan: planFor(USERS_PER_SECOND, 12),
    targetMetricsCsv: targetMetricsFor(START_UNIX_S, 5),
  });
  const { data, files } = await buildReport(runDir);
  const pageUrl = pathToFileURL(files.html).href;

  for (const colorScheme of ['light', 'dark'] as const) {
    const userDataDir = await makeTempDir('browser-profile');
    const context = await launchBrowser(userDataDir, colorScheme);
    try {
      const problems: string[] = [];
      const requests: string[] = [];
      // Any request other than the page itself is recorded and aborted, so nothing leaves the machine.
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url === pageUrl) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => {
        if (request.url() !== pageUrl) requests.push(request.url());
      });

      await page.goto(pageUrl, { waitUntil: 'load' });
      // Expressions as strings, because this file is typechecked without the DOM library.
      const charts = await page.evaluate<RenderedChart[]>('window.herdCharts.map((chart) => ({ id: chart.id, labels: chart.labels, data: chart.data }))');
      await page.emulateMedia({ media: 'print' });
      await page.pdf({ format: 'A4' });
      const verdict = await page.textContent('#verdict');
      const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');

      assert.deepEqual(problems, [], colorScheme);
      assert.deepEqual(requests, [], colorScheme);
      assert.match(verdict ?? '', /^Admitted \d+ of 35 planned users/);
      assert.equal(charts.length, 8);
      const arrivals = charts.find((chart) => chart.id === 'arrivals');
      const all = data.rows.filter((row) => row.platform === ALL_PLATFORMS);
      assert.deepEqual(arrivals?.data[0], all.map((row) => row.timeUnixS));
      const admittedIndex = (arrivals?.labels.indexOf('admitted users/s') ?? -2) + 1;
      assert.deepEqual(arrivals?.data[admittedIndex], all.map((row) => row.admittedUsers));
      const plannedIndex = (arrivals?.labels.indexOf('planned arrivals/s') ?? -2) + 1;
      assert.deepEqual(arrivals?.data[plannedIndex], [3, 8, 13, 8, 3]);
      // Printing switches the palette to light whatever the screen's scheme.
      assert.equal(background, 'rgb(255, 255, 255)');
    } finally {
      await context.close();
    }
  }
});
