import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../../engine/index.ts';

// Made-up credentials, distinct enough that any occurrence in an output is a leak.
const REFRESH_TOKEN = 'refresh-7f3a9c1e5b';
const ACCESS_TOKEN = 'access-4d8e2b6f0a';
const SESSION_COOKIE = 'session-9b1c7e3a5d';
const QUERY_TOKEN = 'query-2e6a0c8f4b';

// Sends a token in the JSON body and a session cookie, and requires both on the next request.
function handleAuthRequest(request: IncomingMessage, response: ServerResponse): void {
  if (request.url === '/auth/refresh') {
    response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${SESSION_COOKIE}; Path=/; HttpOnly` });
    response.end(JSON.stringify({ accessToken: ACCESS_TOKEN, expiresInSeconds: 300 }));
    return;
  }
  const authorized = request.headers.authorization === `Bearer ${ACCESS_TOKEN}` && (request.headers.cookie ?? '').includes(SESSION_COOKIE);
  response.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ ok: authorized }));
}

const SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';

export const options = { scenarios: { users: { executor: 'per-vu-iterations', vus: 2, iterations: 2, maxDuration: '3s' } } };

export default async function () {
  const refresh = await http.asyncRequest('POST', __ENV.TARGET + '/auth/refresh', JSON.stringify({ refreshToken: '${REFRESH_TOKEN}' }), { headers: { 'content-type': 'application/json' } });
  const accessToken = refresh.json().accessToken;
  const profile = await http.asyncRequest('GET', __ENV.TARGET + '/api/profile', null, { headers: { Authorization: 'Bearer ' + accessToken } });
  check(profile, { 'profile is 200': (r) => r.status === 200 });
  await http.asyncRequest('GET', __ENV.TARGET + '/api/feed?access_token=${QUERY_TOKEN}&page=1', null, { headers: { Authorization: 'Bearer ' + accessToken } });
}

export function handleSummary(data) {
  return { stdout: 'summary written', [__ENV.RESULTS_DIR + '/summary.json']: JSON.stringify(data) };
}
`;

interface RunOutputs {
  exitCode: number;
  /** Output name (file name, stdout or stderr) → its text. */
  texts: Map<string, string>;
}

async function runScriptWithCredentials(): Promise<RunOutputs> {
  const server = createServer(handleAuthRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const directory = mkdtempSync(join(tmpdir(), 'herd-secrets-'));
  const scriptPath = join(directory, 'script.js');
  writeFileSync(scriptPath, SCRIPT);
  const texts = new Map<string, string>();
  const stdout: string[] = [];
  const stderr: string[] = [];

  try {
    const { port } = server.address() as AddressInfo;
    const { exitCode } = await runScript({
      scriptPath,
      env: { TARGET: `http://127.0.0.1:${port}`, RESULTS_DIR: directory },
      outputs: [`csv=${join(directory, 'samples.csv')}`, `json=${join(directory, 'samples.jsonl')}`],
      summaryExport: join(directory, 'summary-export.json'),
      quiet: true,
      writeStdout: (text) => stdout.push(text),
      writeStderr: (text) => stderr.push(text),
      signal: AbortSignal.timeout(20_000),
    });
    for (const file of readdirSync(directory)) {
      if (file !== 'script.js') {
        texts.set(file, readFileSync(join(directory, file), 'utf8'));
      }
    }
    texts.set('stdout', stdout.join(''));
    texts.set('stderr', stderr.join(''));
    return { exitCode, texts };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

function findLeaks(outputs: RunOutputs, secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const [name, text] of outputs.texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) {
        leaks.push(`${secret} in ${name}`);
      }
    }
  }
  return leaks;
}

let outputsPromise: Promise<RunOutputs> | undefined;
function getOutputs(): Promise<RunOutputs> {
  outputsPromise ??= runScriptWithCredentials();
  return outputsPromise;
}

test('credential run writes every output', async () => {
  const outputs = await getOutputs();

  assert.equal(outputs.exitCode, 0, outputs.texts.get('stderr'));
  for (const name of ['samples.csv', 'samples.jsonl', 'summary-export.json', 'summary.json', 'stdout']) {
    assert.ok((outputs.texts.get(name) ?? '').length > 0, `${name} is missing or empty`);
  }
  assert.match(outputs.texts.get('summary.json') ?? '', /"profile is 200"/);
  assert.match(outputs.texts.get('summary.json') ?? '', /"fails":0/);
});

test('body, header and cookie secrets stay out of outputs', async () => {
  const outputs = await getOutputs();

  assert.deepEqual(findLeaks(outputs, [REFRESH_TOKEN, ACCESS_TOKEN, SESSION_COOKIE]), []);
});

test('query-string tokens stay out of outputs', async () => {
  const outputs = await getOutputs();

  assert.deepEqual(findLeaks(outputs, [QUERY_TOKEN]), []);
});
