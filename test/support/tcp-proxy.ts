import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

type Direction = 'requests' | 'replies';

/** One direction of one proxied connection: bytes held while the direction is cut, delivered in order after. */
class Pipe {
  private readonly held: Buffer[] = [];
  private ended = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly isHeld: () => boolean,
  ) {
    from.on('data', (chunk: Buffer) => (this.isHeld() || this.held.length > 0 ? this.held.push(chunk) : this.write(chunk)));
    // A sender that closes during a cut: what it sent is still "in the network" and arrives after.
    from.on('close', () => {
      this.ended = true;
      if (!this.isHeld()) this.flush();
    });
  }

  flush(): void {
    for (const chunk of this.held.splice(0)) this.write(chunk);
    if (this.ended) this.to.end();
  }

  private write(chunk: Buffer): void {
    if (!this.to.destroyed) this.to.write(chunk);
  }
}

/**
 * A TCP forwarder the tests can cut and restore, to make a real database unreachable from the
 * service without touching the server other tests use. `stop` is a crash (connections refused
 * and reset); `hold` is a silent cut (nothing arrives, nothing is refused), and `release` heals
 * it, delivering what was held.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pipes = new Set<Pipe>();
  private readonly held: Record<Direction, boolean> = { requests: false, replies: false };
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      const pipes = [new Pipe(client, upstream, () => this.held.requests), new Pipe(upstream, client, () => this.held.replies)];
      for (const pipe of pipes) this.pipes.add(pipe);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => {
          this.sockets.delete(s);
          if (client.destroyed && upstream.destroyed) for (const pipe of pipes) this.pipes.delete(pipe);
        });
        s.on('error', () => s.destroy());
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Refuses new connections and drops the open ones, as a crashed database would. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** A silent cut: bytes in the given directions (both by default) are held, and connections still accepted. */
  hold(directions: Direction[] = ['requests', 'replies']): void {
    for (const d of directions) this.held[d] = true;
  }

  /** Heals the cut: held bytes are delivered, in order, as TCP retransmission would. */
  release(): void {
    this.held.requests = false;
    this.held.replies = false;
    for (const pipe of this.pipes) pipe.flush();
  }
}

/** Starts a proxy in front of `databaseUrl`; returns it and the URL that reaches the database through it. */
export async function proxyTo(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(databaseUrl);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  target.port = String(proxy.port);
  return { proxy, url: target.toString() };
}
