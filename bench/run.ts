// `make bench`: runs every bench/*.bench.ts in its own Node.js process, one after another, and
// exits with status 1 if any of them failed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(benchDirectory)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();

const failed: string[] = [];
for (const name of files) {
  console.log(`\n== bench/${name}`);
  const startedAt = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(benchDirectory, name)], { stdio: 'inherit' });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed.push(name);
    console.log(`== bench/${name} failed (exit status ${result.status ?? result.signal}) after ${seconds} s`);
  } else {
    console.log(`== bench/${name} done in ${seconds} s`);
  }
}

console.log(`\n${files.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length > 0 ? 1 : 0;
