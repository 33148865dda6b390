import { Server } from 'node:http';
import { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { ipKeyGenerator } from 'express-rate-limit';

export interface ClientConnectionCapOptions {
  /** Most connections one client (peer address; an IPv6 /56) may hold open at once; 0: no cap. */
  maxPerClient: number;
  /** Peers the cap never applies to: the trusted proxies, which carry many clients each. */
  exempt: (peerAddress: string) => boolean;
}

/** Seconds a refused client is told to wait (Retry-After): a slot frees as soon as one of its connections closes. */
export const CONNECTION_CAP_RETRY_AFTER_S = 1;
/** Longest a refused connection stays open after its 429 was written, waiting for the client to close first. */
const REFUSED_LINGER_MS = 1000;
const LOG_INTERVAL_MS = 10_000;

/**
 * Caps the connections one client may hold open, so that a client holding many half-sent
 * requests cannot take every slot of `server.maxConnections` and starve the others. A connection
 * over the cap is answered at once with a 429 (Retry-After, the usual error body) and closed;
 * it never reaches the HTTP parser. The count is per process (with WORKERS=N, per worker).
 *
 * Installed before the server listens: it takes over the server's `connection` listeners (Node's
 * HTTP parser among them) and calls them only for connections within the cap.
 */
export function capConnectionsPerClient(server: Server, { maxPerClient, exempt }: ClientConnectionCapOptions): void {
  if (maxPerClient <= 0) return;
  const logger = new Logger('ConnectionCap');
  /** Open connections per client that were let through. */
  const open = new Map<string, number>();
  /** Refused connections per client still closing; past the cap these are dropped without an answer. */
  const refusing = new Map<string, number>();
  let refusedSinceLog = 0;
  let loggedAt = 0;
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || exempt(address)) return admit(socket);
    const client = ipKeyGenerator(address);
    const count = open.get(client) ?? 0;
    if (count < maxPerClient) {
      open.set(client, count + 1);
      socket.once('close', () => decrement(open, client));
      return admit(socket);
    }
    refusedSinceLog++;
    // At most one line per interval, whatever the rate of refusals.
    if (Date.now() - loggedAt >= LOG_INTERVAL_MS) {
      logger.warn(`${refusedSinceLog} connection(s) refused: over ${maxPerClient} open from one client (HTTP_MAX_CONNECTIONS_PER_CLIENT)`);
      refusedSinceLog = 0;
      loggedAt = Date.now();
    }
    refuse(socket, client);
  });

  function admit(socket: Socket): void {
    for (const handler of handlers) handler.call(server, socket);
  }

  function refuse(socket: Socket, client: string): void {
    socket.on('error', () => undefined);
    const closing = refusing.get(client) ?? 0;
    if (closing >= maxPerClient) {
      socket.destroy();
      return;
    }
    refusing.set(client, closing + 1);
    const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      decrement(refusing, client);
    });
    // Read and drop whatever the client sends, so that the close is a FIN after the answer rather
    // than a reset that could discard the answer; the server's sockets are half-open capable.
    socket.on('end', () => socket.destroy());
    socket.resume();
    socket.end(tooManyConnections(maxPerClient));
  }
}

function decrement(counts: Map<string, number>, client: string): void {
  const count = (counts.get(client) ?? 1) - 1;
  if (count > 0) counts.set(client, count);
  else counts.delete(client);
}

/** A complete HTTP/1.1 answer with the service's error body, written before any request is read. */
function tooManyConnections(maxPerClient: number): string {
  const body = JSON.stringify({
    statusCode: 429,
    error: 'Too Many Requests',
    detail:
      `Too many open connections from your address: at most ${maxPerClient} at once. ` +
      `Close idle ones or wait for answers, then retry after ${CONNECTION_CAP_RETRY_AFTER_S} s`,
  });
  return [
    'HTTP/1.1 429 Too Many Requests',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Retry-After: ${CONNECTION_CAP_RETRY_AFTER_S}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
