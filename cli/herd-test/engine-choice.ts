import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HerdUserError } from '../../lib/user-error.ts';

/** The program that runs the built script: a real k6 binary, or the built-in engine. */
export interface EngineChoice {
  kind: 'k6' | 'builtin';
  /** Executable to spawn; for the built-in engine, Node itself. */
  command: string;
  /** Arguments placed before `run …`; for the built-in engine, the herd CLI script. */
  leadingArgs: string[];
  /** Version string as the engine reports it. */
  version: string;
}

function findOnPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder: keep looking.
    }
  }
  return undefined;
}

function readK6Version(binary: string): string {
  const result = spawnSync(binary, ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error !== undefined || result.status !== 0) {
    const reason = result.error?.message ?? result.stderr.trim();
    throw new HerdUserError('K6_NOT_RUNNABLE', `the k6 binary ${binary} did not run ("k6 version" failed: ${reason}). Point --k6 (K6= for make) at a working k6, or leave it out to use the built-in engine.`);
  }
  return result.stdout.trim().split('\n')[0] ?? 'k6';
}

/**
 * Picks the engine: the k6 binary named by `explicitK6` (the `--k6` flag or `K6=`), else `k6` on
 * PATH, else the built-in engine of this package.
 */
export function chooseEngine(explicitK6: string | undefined, herdCliPath: string): EngineChoice {
  const k6Binary = explicitK6 !== undefined && explicitK6 !== '' ? explicitK6 : findOnPath('k6');
  if (k6Binary !== undefined) {
    return { kind: 'k6', command: k6Binary, leadingArgs: [], version: readK6Version(k6Binary) };
  }
  return { kind: 'builtin', command: process.execPath, leadingArgs: [herdCliPath], version: `k6-herd built-in engine on Node.js ${process.version}` };
}
