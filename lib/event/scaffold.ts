// `herd new event`: the files of a new event, valid from the start, for a team to edit.
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { BundleFile, EventFile } from './types.ts';

/** Settings of `scaffoldEvent`. */
export interface ScaffoldOptions {
  /** Event name, also the file names. Example: `creator-premiere`. */
  name: string;
  /** Platform name → share of the users. Default: `{ web: 1 }`. */
  platforms?: Record<string, number>;
  /** Folder for the event and its scenario entry; bundles go to `bundles/` inside it. Default: `scenarios`. */
  dir?: string;
}

/** One file to write. */
export interface ScaffoldFile {
  path: string;
  text: string;
}

const eventScriptModule = fileURLToPath(new URL('../bundle/event-script.ts', import.meta.url));
const schemaDir = fileURLToPath(new URL('../../schema/', import.meta.url));

/**
 * Lists the files of a new event. The event YAML has 1,000 users arriving log-normally after a
 * notification at 5 s. Each platform gets a bundle with the three requests of a web admission
 * against the reference target, and the scenario entry is what `herd build` compiles.
 */
export function scaffoldEvent(options: ScaffoldOptions): ScaffoldFile[] {
  const dir = options.dir ?? 'scenarios';
  const platforms = options.platforms ?? { web: 1 };
  const event: EventFile = {
    name: options.name,
    description: 'Describe who arrives and why.',
    users: 1000,
    arrival: { model: 'lognormal', notificationAtSeconds: 5, medianSeconds: 8, within: { fraction: 0.99, seconds: 60 } },
    platforms: {},
    target: { baseUrl: 'http://127.0.0.1:8080' },
    vars: { eventId: 'evt-1' },
    thresholds: { herd_admitted: ['rate>0.95'], http_req_failed: ['rate<0.05'] },
  };
  const files: ScaffoldFile[] = [];
  for (const [platform, share] of Object.entries(platforms)) {
    const bundleName = `${options.name}-${platform}`;
    event.platforms[platform] = { share, bundle: `bundles/${bundleName}.yaml` };
    files.push({ path: join(dir, 'bundles', `${bundleName}.yaml`), text: renderBundle(bundleName, platform, join(dir, 'bundles')) });
  }

  const eventHeader = `# yaml-language-server: $schema=${relative(dir, join(schemaDir, 'event-file.schema.json'))}\n`;
  files.unshift({ path: join(dir, `${options.name}.yaml`), text: eventHeader + stringify(event) });
  files.push({ path: join(dir, `${options.name}.ts`), text: renderEntry(options.name, relative(dir, eventScriptModule)) });
  return files;
}

function renderBundle(name: string, platform: string, bundleDir: string): string {
  const bundle: BundleFile = {
    name,
    description: `What one ${platform} user does when admitted. Replace these requests with your own, or import a HAR capture.`,
    steps: [
      { request: { name: 'event-page', method: 'GET', path: '/events/{{eventId}}', expectedLatencyMs: 80 } },
      {
        request: {
          name: 'auth-refresh',
          method: 'POST',
          path: '/auth/refresh',
          body: { refreshToken: '{{refreshToken}}' },
          capture: { token: 'json:accessToken' },
          expectedLatencyMs: 40,
        },
      },
      { request: { name: 'vendor-register', method: 'POST', path: '/vendor/register', withToken: true, body: { eventId: '{{eventId}}' }, expectedLatencyMs: 150 } },
    ],
  };
  return `# yaml-language-server: $schema=${relative(bundleDir, join(schemaDir, 'bundle-file.schema.json'))}\n${stringify(bundle)}`;
}

function renderEntry(name: string, eventScriptImport: string): string {
  const importPath = eventScriptImport.startsWith('.') ? eventScriptImport : `./${eventScriptImport}`;
  return [
    `// The ${name} event as a k6 script; \`herd build\` inlines ${name}.yaml and its bundles.`,
    `import { createEventScript } from '${importPath.split('\\').join('/')}';`,
    `import event from './${name}.yaml';`,
    '',
    'const script = createEventScript(event);',
    '',
    'export const options = script.options;',
    'export const playUser = script.playUser;',
    'export const handleSummary = script.handleSummary;',
    '',
  ].join('\n');
}
