import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { GARBAGE_BYTES, startDyingServer, startGarbageServer, startResettingServer, startSlowServer } from './servers.ts';

const REQUEST_TIMEOUT_MS = 5_000;

// Returns the error code behind a failed fetch (undici puts the socket error in `cause`).
async function fetchErrorCode(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; name?: string } }).cause;
    return cause?.code ?? cause?.name ?? String(error);
  }
  return 'no error';
}

// Sends one raw request and records every chunk with its arrival time, until the server closes.
async function readRawResponse(port: number): Promise<{ chunks: Array<{ atMs: number; bytes: Buffer }>; error?: string }> {
  const startMs = performance.now();
  const chunks: Array<{ atMs: number; bytes: Buffer }> = [];
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n'));
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
    socket.on('data', (bytes: Buffer) => chunks.push({ atMs: performance.now() - startMs, bytes }));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ chunks, error: error.code ?? error.message }));
    socket.on('close', () => resolve({ chunks }));
  });
}

test('dying server answers then dies', async () => {
  const server = await startDyingServer({ answeredRequests: 3 });
  try {
    for (let index = 1; index <= 3; index++) {
      const response = await fetch(server.url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(response.status, 200, `request ${index}`);
      assert.deepEqual(await response.json(), { ok: true, request: index });
    }

    const inFlightError = await fetchErrorCode(server.url);
    const laterError = await fetchErrorCode(server.url);

    assert.notEqual(inFlightError, 'no error');
    assert.equal(laterError, 'ECONNREFUSED');
    assert.equal(server.hasDied(), true);
    assert.equal(server.stats.requests, 4);
  } finally {
    await server.close();
  }
});

test('resetting server resets every connection', async () => {
  const server = await startResettingServer();
  try {
    for (let index = 0; index < 3; index++) {
      assert.equal(await fetchErrorCode(server.url), 'ECONNRESET', `attempt ${index + 1}`);
    }
    const raw = await readRawResponse(server.port);

    assert.equal(raw.error, 'ECONNRESET');
    assert.equal(raw.chunks.length, 0);
    assert.equal(server.stats.requests, 4);
  } finally {
    await server.close();
  }
});

test('slow server sends one byte at a time', async () => {
  const byteIntervalMs = 15;
  const server = await startSlowServer({ byteIntervalMs, body: 'slow' });
  try {
    const raw = await readRawResponse(server.port);
    const received = Buffer.concat(raw.chunks.map((chunk) => chunk.bytes));
    const elapsedMs = raw.chunks[raw.chunks.length - 1].atMs - raw.chunks[0].atMs;

    assert.equal(raw.error, undefined);
    assert.deepEqual(received, server.responseBytes);
    assert.match(received.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nslow$/);
    // Chunks can merge on a busy machine, so check the spread in time rather than the chunk count.
    assert.ok(raw.chunks.length > received.length / 4, `${raw.chunks.length} chunks for ${received.length} bytes`);
    assert.ok(elapsedMs >= (received.length - 1) * byteIntervalMs * 0.5, `${received.length} bytes in ${Math.round(elapsedMs)} ms`);
  } finally {
    await server.close();
  }
});

test('slow response is still valid HTTP', async () => {
  const server = await startSlowServer({ byteIntervalMs: 1, body: '{"ok":true}' });
  try {
    const response = await fetch(server.url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
  } finally {
    await server.close();
  }
});

test('garbage server answers with non-HTTP bytes', async () => {
  const server = await startGarbageServer();
  try {
    const raw = await readRawResponse(server.port);
    const fetchError = await fetchErrorCode(server.url);

    assert.deepEqual(Buffer.concat(raw.chunks.map((chunk) => chunk.bytes)), GARBAGE_BYTES);
    assert.match(fetchError, /^HPE_|HTTPParserError/);
  } finally {
    await server.close();
  }
});

test('fault server closes itself after its lifetime', async () => {
  const server = await startGarbageServer({ maxLifetimeMs: 50 });
  await new Promise((resolve) => setTimeout(resolve, 200));

  assert.equal(await fetchErrorCode(server.url), 'ECONNREFUSED');
  await server.close();
});
