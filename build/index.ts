// The build: each scenarios/*.ts becomes one self-contained k6 script in dist/.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { build, type BuildFailure, type Metafile, type Plugin } from 'esbuild';
import { loadEvent } from '../lib/event/index.ts';
import { HerdUserError } from '../lib/user-error.ts';

/** Settings of `buildScenarios`. */
export interface BuildOptions {
  /** Entry files. Default: every `scenarios/*.ts` except declaration files. */
  entries?: string[];
  /** Output folder. Default: `dist`. */
  outDir?: string;
}

/** One script written by the build. */
export interface BuiltScript {
  entry: string;
  outFile: string;
  bytes: number;
  /** Modules the script still imports; only `k6` and `k6/…` are allowed. */
  imports: string[];
}

/**
 * The syntax level of the output. k6 v0.49 rejects optional chaining, and es2017 is the level at
 * which esbuild 0.28 lowered it in a bundle that k6 v0.49 then ran.
 */
export const buildTarget = 'es2017';

const isK6Module = (path: string) => path === 'k6' || path.startsWith('k6/');

/**
 * Compiles each scenario entry into `<outDir>/<name>.js`: one ES module with every import inlined
 * except k6's own modules, YAML event files inlined as validated data. Throws a HerdUserError
 * (BUILD_FAILED) naming the file and position of every error, event file errors included.
 */
export async function buildScenarios(options: BuildOptions = {}): Promise<BuiltScript[]> {
  const entries = options.entries ?? listScenarioEntries('scenarios');
  const outDir = options.outDir ?? 'dist';
  if (entries.length === 0) {
    throw new HerdUserError('BUILD_FAILED', 'no scenarios to build: scenarios/ has no .ts entry files. Pass entry files as arguments.');
  }

  let metafile: Metafile;
  try {
    const result = await build({
      entryPoints: entries,
      outdir: outDir,
      bundle: true,
      format: 'esm',
      target: buildTarget,
      platform: 'neutral',
      // platform "neutral" reads no package.json entry fields by itself. The browser builds come first
      // because they avoid Node built-ins: papaparse's main file requires "stream", its browser file does not.
      mainFields: ['browser', 'module', 'main'],
      external: ['k6', 'k6/*'],
      plugins: [createEventFilePlugin(outDir)],
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
    });
    metafile = result.metafile;
  } catch (error) {
    if (isBuildFailure(error)) {
      throw new HerdUserError('BUILD_FAILED', `build failed:\n${formatFailure(error)}`);
    }
    throw error;
  }
  return describeOutputs(metafile);
}

/** Lists `dir/*.ts` without declaration files, sorted. */
export function listScenarioEntries(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Turns `import event from './x.yaml'` into the event that loadEvent read and validated, with its
 * bundles inlined. A user pool CSV is copied into `outDir` beside the script, because the script
 * reads it at run time with open(), which resolves paths from the script's folder.
 */
function createEventFilePlugin(outDir: string): Plugin {
  return {
    name: 'herd-event-files',
    setup(pluginBuild) {
      // The path esbuild sees is relative, because it ends up in a comment in the output; the absolute one travels in pluginData.
      pluginBuild.onResolve({ filter: /\.ya?ml$/ }, (args) => {
        const absolutePath = resolve(args.resolveDir, args.path);
        return { path: relative(process.cwd(), absolutePath), namespace: 'herd-event', pluginData: absolutePath };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'herd-event' }, (args) => {
        try {
          const eventPath = args.pluginData as string;
          const event = loadEvent(eventPath);
          if (event.userPool !== undefined) {
            const copiedName = `${event.name}.${basename(event.userPool.file)}`;
            mkdirSync(outDir, { recursive: true });
            copyFileSync(resolve(dirname(eventPath), event.userPool.file), join(outDir, copiedName));
            event.userPool = { ...event.userPool, file: `./${copiedName}` };
          }
          return { contents: `export default ${JSON.stringify(event)};`, loader: 'js', watchFiles: [eventPath] };
        } catch (error) {
          if (error instanceof HerdUserError) {
            return { errors: [{ text: error.message }] };
          }
          throw error;
        }
      });
    },
  };
}

function describeOutputs(metafile: Metafile): BuiltScript[] {
  const scripts: BuiltScript[] = [];
  for (const [outFile, output] of Object.entries(metafile.outputs)) {
    if (output.entryPoint === undefined) {
      continue;
    }
    const imports = output.imports.map((imported) => imported.path);
    const foreign = imports.filter((path) => !isK6Module(path));
    if (foreign.length > 0) {
      throw new HerdUserError('BUILD_FAILED', `${outFile} still imports ${foreign.join(', ')}; a k6 script may import only k6 modules. Bundle the module or remove the import.`);
    }
    scripts.push({ entry: output.entryPoint, outFile, bytes: output.bytes, imports });
  }
  return scripts;
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function formatFailure(failure: BuildFailure): string {
  return failure.errors
    .map((message) => {
      const location = message.location;
      const place = location === null ? '' : `${relative(process.cwd(), location.file) || location.file}:${location.line}:${location.column + 1}: `;
      return `  ${place}${message.text}`;
    })
    .join('\n');
}

/** The output name of an entry: `scenarios/live-event.ts` → `live-event.js`. */
export function outputNameOf(entry: string): string {
  return `${basename(entry).replace(/\.ts$/, '')}.js`;
}
