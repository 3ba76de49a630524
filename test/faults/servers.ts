// Misbehaving HTTP servers for fault tests. Each listens on 127.0.0.1 on a free port, does not keep
// the process alive, and closes itself after `maxLifetimeMs` even when a test does not close it.

import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** Default bound on how long a fault server lives: long enough for any one test, short enough to never linger. */
export const DEFAULT_MAX_LIFETIME_MS = 30_000;

/** A running fault server. */
export interface FaultServer {
  /** Base URL, such as `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Counts so far: accepted TCP connections and HTTP requests (or first data chunks, for raw servers). */
  stats: { connections: number; requests: number };
  /** Stops listening, destroys every open socket and clears timers. Safe to call twice. */
  close(): Promise<void>;
}

/** Options every fault server takes. */
export interface FaultServerOptions {
  /** The server closes itself this long after it starts. Default: DEFAULT_MAX_LIFETIME_MS. */
  maxLifetimeMs?: number;
}

/**
 * Starts a server that responds to `answeredRequests` requests with 200 and a small JSON body, then
 * dies on the next request: it stops listening and destroys every socket, that request's too.
 * Clients see the request in flight fail (socket closed) and later connections refused.
 */
export async function startDyingServer(options: FaultServerOptions & { answeredRequests: number }): Promise<FaultServer & { hasDied(): boolean }> {
  let died = false;
  const server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    tracked.stats.requests++;
    if (tracked.stats.requests <= options.answeredRequests) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, request: tracked.stats.requests }));
      return;
    }
    died = true;
    void tracked.close();
  });
  const tracked = await listenTracked(server, options);
  return { ...tracked, hasDied: () => died };
}

/** Starts a server that resets every connection with a TCP RST as soon as the client sends anything. */
export async function startResettingServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const server = createNetServer((socket: Socket) => {
    socket.once('data', () => {
      tracked.stats.requests++;
      socket.resetAndDestroy();
    });
  });
  const tracked = await listenTracked(server, options);
  return tracked;
}

/** Options of `startSlowServer`. */
export interface SlowServerOptions extends FaultServerOptions {
  /** Pause between two bytes of the response, headers included. Default: 20. */
  byteIntervalMs?: number;
  /** Response body. Default: `{"ok":true}`. */
  body?: string;
}

/**
 * Starts a server that sends a valid HTTP/1.1 200 response one byte at a time, `byteIntervalMs`
 * apart, then closes the connection. A response of n bytes takes about n × byteIntervalMs.
 */
export async function startSlowServer(options: SlowServerOptions = {}): Promise<FaultServer & { responseBytes: Buffer }> {
  const byteIntervalMs = options.byteIntervalMs ?? 20;
  const body = Buffer.from(options.body ?? '{"ok":true}', 'utf8');
  const head = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  const responseBytes = Buffer.concat([Buffer.from(head, 'latin1'), body]);

  const server = createNetServer((socket: Socket) => {
    socket.once('data', () => {
      tracked.stats.requests++;
      sendByteByByte(socket, responseBytes, byteIntervalMs);
    });
  });
  const tracked = await listenTracked(server, options);
  return { ...tracked, responseBytes };
}

/** Bytes the garbage server sends: binary noise and a line that looks like another protocol, never an HTTP status line. */
export const GARBAGE_BYTES = Buffer.concat([Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]), Buffer.from('SSH-2.0-not-http\r\n\u0000\u0001garbage', 'latin1')]);

/** Starts a server that responds to any request with GARBAGE_BYTES instead of HTTP, then closes the connection. */
export async function startGarbageServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const server = createNetServer((socket: Socket) => {
    socket.once('data', () => {
      tracked.stats.requests++;
      socket.end(GARBAGE_BYTES);
    });
  });
  const tracked = await listenTracked(server, options);
  return tracked;
}

function sendByteByByte(socket: Socket, bytes: Buffer, byteIntervalMs: number): void {
  let offset = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    socket.write(bytes.subarray(offset, offset + 1));
    offset++;
    if (offset >= bytes.length) {
      clearInterval(timer);
      socket.end();
    }
  }, byteIntervalMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}

// Listens on 127.0.0.1:0, tracks sockets so that close() can destroy them, and bounds the lifetime.
async function listenTracked(server: Server, options: FaultServerOptions): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const stats = { connections: 0, requests: 0 };
  server.on('connection', (socket: Socket) => {
    stats.connections++;
    sockets.add(socket);
    // A client that disconnects first makes writes fail with EPIPE or ECONNRESET; that is the point of these servers.
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (closing === undefined) {
      clearTimeout(lifetimeTimer);
      closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
    }
    return closing;
  };
  const lifetimeTimer = setTimeout(() => void close(), options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS);
  lifetimeTimer.unref();

  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('fault server: expected a TCP address after listen');
  }
  return { url: `http://127.0.0.1:${address.port}`, port: address.port, stats, close };
}
