import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway PostgreSQL cluster on 127.0.0.1, in its own temporary folder. */
export interface TestPostgres {
  port: number;
  user: string;
  password: string;
  /** Connection URL with the password, for the gate under test. */
  url: string;
  /** Stops the server and deletes its folder; safe to call twice. */
  stop(): void;
}

/** Finds initdb and pg_ctl: Debian keeps them in /usr/lib/postgresql/VERSION/bin, off PATH. */
export function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const binDir = join(root, version, 'bin');
      if (existsSync(join(binDir, 'initdb')) && existsSync(join(binDir, 'pg_ctl'))) {
        return binDir;
      }
    }
  }
  return undefined;
}

/** Returns a port on 127.0.0.1 that was free a moment ago: the OS picks it for a listener that closes at once. */
export async function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Creates and starts a cluster with password (SCRAM) authentication, listening only on 127.0.0.1 and on a
 * unix socket inside its folder. initdb refuses to run as root, so as root the cluster belongs to the
 * `postgres` system user (created by Debian's package) and the commands run through runuser.
 */
export async function startTestPostgres(binDir: string): Promise<TestPostgres> {
  const folder = mkdtempSync(join(tmpdir(), 'herd-gate-pg-'));
  const dataDir = join(folder, 'data');
  const password = 'gate-test-secret';
  const user = 'herd';
  const passwordFile = join(folder, 'password.txt');
  writeFileSync(passwordFile, `${password}\n`);

  const isRoot = process.getuid?.() === 0;
  const runAs = (command: string, args: string[]): void => {
    const [file, fileArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, command), ...args]] : [join(binDir, command), args];
    execFileSync(file, fileArgs, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(folder, uid, gid);
    chownSync(passwordFile, uid, gid);
  }

  let started = false;
  const stop = (): void => {
    if (started) {
      started = false;
      try {
        runAs('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } catch (error) {
        console.error(`Stopping the test PostgreSQL server in ${dataDir} failed: ${String(error)}`);
      }
    }
    rmSync(folder, { recursive: true, force: true });
  };

  try {
    runAs('initdb', ['-D', dataDir, '-U', user, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const port = await findFreeLoopbackPort();
    const serverOptions = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c max_connections=40 -c fsync=off -c shared_buffers=16MB`;
    started = true;
    runAs('pg_ctl', ['-D', dataDir, '-o', serverOptions, '-l', join(folder, 'server.log'), '-w', '-t', '60', 'start']);
    return { port, user, password, url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
