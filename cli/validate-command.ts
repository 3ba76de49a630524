import { parseArgs } from 'node:util';
import { validateFile } from '../lib/event/index.ts';
import { HerdUserError, isHerdUserError } from '../lib/user-error.ts';

const usage = `Usage: herd validate FILE.yaml [FILE.yaml …]

Checks event and bundle files against the schema (schema/*.schema.json) and the rules a schema
cannot state: platform shares that sum to 1, placeholders that have a value when their request
is sent, bundle and trace files that exist. An event file is checked with every file it names.
Every problem is listed with file:line:column. Exits 0 when all files are valid, else 1.`;

/** `herd validate`: checks event and bundle files and prints every problem found. */
export async function runCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new HerdUserError('USAGE', `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
  if (parsed.values.help === true) {
    console.log(usage);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    throw new HerdUserError('USAGE', `no file given.\n\n${usage}`, 2);
  }

  let invalidCount = 0;
  for (const path of parsed.positionals) {
    try {
      const result = validateFile(path);
      const included = result.bundlePaths.length > 0 ? ` with ${result.bundlePaths.join(', ')}` : '';
      console.log(`valid ${result.kind} file: ${path}${included}`);
    } catch (error) {
      if (!isHerdUserError(error)) {
        throw error;
      }
      invalidCount += 1;
      console.error(error.message);
    }
  }
  return invalidCount === 0 ? 0 : 1;
}
