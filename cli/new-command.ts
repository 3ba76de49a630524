import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEvent } from '../lib/event/index.ts';
import { scaffoldEvent } from '../lib/event/scaffold.ts';
import { HerdUserError } from '../lib/user-error.ts';

const usage = `Usage: herd new event NAME [--platforms web=0.3,mobile=0.7] [--dir scenarios]

Writes a new event: NAME.yaml, one bundle per platform in bundles/, and NAME.ts for herd build.
The files are valid as written; edit the users, arrival and requests to match your event.

  --platforms LIST  platform=share pairs whose shares sum to 1 (default: web=1)
  --dir DIR         folder for the files (default: scenarios)`;

/** `herd new event`: scaffolds an event with its bundles and scenario entry. */
export async function runCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { platforms: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new HerdUserError('USAGE', `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
  if (parsed.values.help === true) {
    console.log(usage);
    return 0;
  }
  const [kind, name, ...extra] = parsed.positionals;
  if (kind !== 'event' || name === undefined || extra.length > 0) {
    throw new HerdUserError('USAGE', `expected "herd new event NAME".\n\n${usage}`, 2);
  }
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    throw new HerdUserError('USAGE', `invalid event name "${name}": use lower-case letters, digits, - and _, starting with a letter or digit.`, 2);
  }

  const files = scaffoldEvent({ name, platforms: parsePlatforms(parsed.values.platforms), dir: parsed.values.dir });
  const existing = files.filter((file) => existsSync(file.path)).map((file) => file.path);
  if (existing.length > 0) {
    throw new HerdUserError('OUTPUT_EXISTS', `not overwriting ${existing.join(', ')}. Choose another name or --dir.`);
  }
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text);
    console.log(`wrote ${file.path}`);
  }
  // The scaffold must load as written; a failure here is a bug in the scaffold, not in user input.
  loadEvent(files[0].path);
  return 0;
}

function parsePlatforms(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) {
    return undefined;
  }
  const platforms: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [platform, shareText] = pair.split('=');
    const share = Number(shareText);
    if (platform === undefined || platform.trim() === '' || !(share >= 0 && share <= 1)) {
      throw new HerdUserError('USAGE', `invalid --platforms entry "${pair}": write platform=share with a share from 0 to 1, such as web=0.3.`, 2);
    }
    platforms[platform.trim()] = share;
  }
  const sum = Object.values(platforms).reduce((total, share) => total + share, 0);
  if (Math.abs(sum - 1) > 1e-6) {
    throw new HerdUserError('USAGE', `--platforms shares sum to ${sum}, but they must sum to 1.`, 2);
  }
  return platforms;
}
