import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importHar, type HarImportReport } from '../lib/event/har/import.ts';
import { HerdUserError } from '../lib/user-error.ts';

const usage = `Usage: herd import-har FILE.har --platform NAME [--out FILE.yaml] [options]

Turns a browser or proxy capture into a bundle file: the requests to one origin, in the order
and parallelism they were sent. Bearer tokens issued by a response become a capture and
withToken, ids repeated across paths become {{variables}}. Cookies, credential headers,
credential query parameters and personal data are removed or replaced, and the report lists
what was removed (never the values).

  --platform NAME          platform the bundle is for, and its default name (required)
  --name NAME              bundle name (default: the platform)
  --origin URL             keep requests to this origin (default: the origin with most requests)
  --pause-threshold-ms MS  a gap at least this long becomes a pause step (default: 1000)
  --out FILE.yaml          write the bundle there (default: print it on stdout)
  --force                  overwrite --out when it exists`;

const schemaFile = fileURLToPath(new URL('../schema/bundle-file.schema.json', import.meta.url));

/** `herd import-har`: writes a bundle from a HAR capture and prints what it removed. */
export async function runCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        platform: { type: 'string' },
        name: { type: 'string' },
        origin: { type: 'string' },
        'pause-threshold-ms': { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new HerdUserError('USAGE', `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  if (positionals.length !== 1 || values.platform === undefined) {
    throw new HerdUserError('USAGE', `give one HAR file and --platform.\n\n${usage}`, 2);
  }
  const pauseThresholdMs = values['pause-threshold-ms'] === undefined ? undefined : Number(values['pause-threshold-ms']);
  if (pauseThresholdMs !== undefined && !(Number.isFinite(pauseThresholdMs) && pauseThresholdMs > 0)) {
    throw new HerdUserError('USAGE', `--pause-threshold-ms must be a number of ms greater than 0, got "${values['pause-threshold-ms']}".`, 2);
  }
  if (values.out !== undefined && existsSync(values.out) && values.force !== true) {
    throw new HerdUserError('OUTPUT_EXISTS', `${values.out} exists. Pass --force to overwrite it, or choose another --out.`);
  }

  const harPath = positionals[0];
  let harText: string;
  try {
    harText = readFileSync(harPath, 'utf8');
  } catch (error) {
    throw new HerdUserError('HAR_NOT_FOUND', `HAR file cannot be read: ${harPath} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check the path.`);
  }
  const result = importHar(harText, {
    platform: values.platform,
    name: values.name,
    origin: values.origin,
    pauseThresholdMs,
    fileLabel: harPath,
    schemaPath: values.out === undefined ? undefined : relative(dirname(resolve(values.out)), schemaFile),
  });

  if (values.out === undefined) {
    process.stdout.write(result.yamlText);
  } else {
    writeFileSync(values.out, result.yamlText);
  }
  console.error(formatReport(result.report, values.out));
  return 0;
}

/** Formats the import report: origin, counts, captures, removals and the variables to define. */
export function formatReport(report: HarImportReport, outPath: string | undefined): string {
  const lines = [`Imported ${report.requestsKept} requests to ${report.origin}${outPath === undefined ? '' : ` into ${outPath}`}.`];
  const others = Object.entries(report.otherOrigins);
  if (others.length > 0) {
    lines.push(`Left out requests to other origins: ${others.map(([host, count]) => `${host} (${count})`).join(', ')}.`);
  }
  if (report.redirectsFolded > 0) {
    lines.push(`Folded ${report.redirectsFolded} redirect follow-ups into the requests that caused them.`);
  }
  for (const capture of report.captures) {
    lines.push(`Captured ${capture}.`);
  }
  if (report.removed.length > 0) {
    lines.push('Removed or replaced:');
    lines.push(...report.removed.map(({ description, count }) => `  ${count} × ${description}`));
  }
  if (report.eventVariables.length > 0) {
    lines.push(`Define in the event's vars: ${report.eventVariables.join(', ')} (their values were not copied from the capture).`);
  }
  return lines.join('\n');
}
