// Shared test helpers: a scripted loopback HTTP server and a runScript wrapper that captures output.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScript } from '../../engine/index.ts';
import type { RunScriptOptions } from '../../engine/index.ts';

/** A loopback server that responds after `?delay=` ms with `?status=` (default 200) and a small JSON body. */
export interface TestServer {
  url: string;
  requestCount: () => number;
  connectionCount: () => number;
  close: () => Promise<void>;
}

/** Starts a test server on 127.0.0.1, port 0; it does not keep the process alive. */
export async function startTestServer(): Promise<TestServer> {
  let count = 0;
  const server: Server = createServer((request, response) => {
    count++;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const delayMs = Math.min(5000, Number(url.searchParams.get('delay') ?? 0));
    const status = Number(url.searchParams.get('status') ?? 200);
    request.resume();
    setTimeout(() => {
      const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
      if (url.pathname === '/redirect') headers.location = '/landing';
      if (url.pathname === '/cookie') headers['set-cookie'] = ['session=abc123; Path=/'];
      response.writeHead(url.pathname === '/redirect' ? 302 : status, headers);
      response.end(JSON.stringify({ ok: status < 400, n: count, cookie: request.headers.cookie ?? '' }));
    }, delayMs).unref();
  });
  let connections = 0;
  server.on('connection', () => connections++);
  // undici reuses a connection only if the server keeps it idle for more than 2 s, so keep the Node default of 5 s.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requestCount: () => count,
    connectionCount: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Output and exit status of one engine run. */
export interface CapturedRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a script through `runScript` with captured stdout and stderr. */
export async function runCaptured(options: RunScriptOptions): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const { exitCode } = await runScript({ quiet: true, ...options, writeStdout: (text) => (stdout += text), writeStderr: (text) => (stderr += text) });
  return { exitCode, stdout, stderr };
}

/** Writes `source` as a script file in a fresh temporary folder and returns its path. */
export function writeScript(source: string, name = 'script.js'): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'herd-engine-'));
  const scriptPath = path.join(directory, name);
  writeFileSync(scriptPath, source);
  return scriptPath;
}

/** Path of a fixture script under test/k6. */
export function fixture(name: string): string {
  return path.join(import.meta.dirname, '..', 'k6', name);
}
