import { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';

/**
 * Drains an HTTP server without resetting a request a client has already sent: the listener
 * closes first; then every answer carries `Connection: close`, so that each keep-alive
 * connection is closed by the server right after a response, when no request can be in flight
 * on it; a connection that stays idle is closed after a grace period.
 */
export class HttpDrainer {
  /** Every open connection, with its responses not yet finished (none: idle since `idleSince`). */
  private readonly connections = new Map<Socket, Connection>();
  private draining = false;
  private onIdle?: () => void;

  /**
   * @param idleGraceMs how long a connection idle when the drain begins may still bring a request
   *   (answered with `Connection: close`) before it is closed.
   */
  constructor(
    private readonly server: HttpServer,
    private readonly idleGraceMs = 1000,
  ) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { responses: new Set(), idleSince: Date.now() });
      socket.once('close', () => {
        this.connections.delete(socket);
        if (this.connections.size === 0) this.onIdle?.();
      });
    });
    // Prepended, so that the header is set before any handler starts to answer.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) =>
      this.track(request.socket, response),
    );
  }

  /** Closes the listening socket (in a cluster worker: leaves the shared one); open connections stay. */
  stopAccepting(): void {
    // http.Server#close would also destroy the idle keep-alive connections at once (Node >= 19),
    // resetting any request a client is sending on one at that moment; net.Server's only stops listening.
    if (this.server.listening) NetServer.prototype.close.call(this.server);
  }

  /**
   * Stops keep-alive and waits for every connection to close. At `deadline` (epoch ms) the
   * connections still open are destroyed; resolves with how many that was (0: a clean drain).
   */
  async drain(deadline: number): Promise<number> {
    this.stopAccepting();
    this.draining = true;
    for (const [socket, { responses }] of this.connections) {
      for (const response of responses) closeAfter(response);
      if (responses.size === 0) this.closeWhenIdleFor(socket, this.idleGraceMs);
    }
    if (this.connections.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const cut = this.connections.size;
    for (const socket of this.connections.keys()) socket.destroy();
    return cut;
  }

  private track(socket: Socket, response: ServerResponse): void {
    const connection = this.connections.get(socket);
    if (!connection) return;
    connection.responses.add(response);
    if (this.draining) closeAfter(response);
    response.once('close', () => {
      connection.responses.delete(response);
      if (connection.responses.size > 0) return;
      connection.idleSince = Date.now();
      // Headers sent before the drain began kept the connection alive: close it once idle.
      if (this.draining) this.closeWhenIdleFor(socket, this.idleGraceMs);
    });
  }

  /** Destroys the connection once it has carried no request for `graceMs` in a row. */
  private closeWhenIdleFor(socket: Socket, graceMs: number): void {
    setTimeout(() => {
      const connection = this.connections.get(socket);
      if (!connection || connection.responses.size > 0) return;
      const idleMs = Date.now() - connection.idleSince;
      if (idleMs >= this.idleGraceMs) socket.destroy();
      else this.closeWhenIdleFor(socket, this.idleGraceMs - idleMs);
    }, graceMs).unref();
  }
}

interface Connection {
  responses: Set<ServerResponse>;
  idleSince: number;
}

/** Node closes the connection once a response with this header is sent. */
function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
