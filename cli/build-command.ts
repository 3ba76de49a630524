import { parseArgs } from 'node:util';
import { buildScenarios } from '../build/index.ts';
import { HerdUserError } from '../lib/user-error.ts';

const usage = `Usage: herd build [entry.ts …] [--out-dir DIR]

Compiles each scenario into one self-contained k6 script: k6 modules stay imports, everything
else (the library, YAML event files as validated data) is inlined, and syntax is lowered for
older k6 releases.

  entry.ts        scenario entry files (default: every scenarios/*.ts)
  --out-dir DIR   folder for the scripts (default: dist)`;

/** `herd build`: compiles scenarios into k6 scripts and prints what it wrote. */
export async function runCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { 'out-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new HerdUserError('USAGE', `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
  if (parsed.values.help === true) {
    console.log(usage);
    return 0;
  }

  const entries = parsed.positionals.length > 0 ? parsed.positionals : undefined;
  const scripts = await buildScenarios({ entries, outDir: parsed.values['out-dir'] });
  for (const script of scripts) {
    console.log(`${script.entry} → ${script.outFile} (${(script.bytes / 1024).toFixed(1)} KiB, imports ${script.imports.join(', ') || 'nothing'})`);
  }
  return 0;
}
