import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { HttpDrainer } from './http-drainer';

/** A raw keep-alive client: what the server wrote, and how the connection ended. */
interface Client {
  socket: Socket;
  received: () => string;
  /** Resolves once the server's answer to the n-th request (1-based) is complete. */
  answers: (n: number) => Promise<void>;
  /** 'end': the server closed it cleanly (FIN); 'error: <code>': reset. */
  ended: Promise<string>;
}

function openClient(server: Server): Promise<Client> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    let text = '';
    const waiting: { n: number; done: () => void }[] = [];
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => text, answers, ended }));
    const count = () => (text.match(/\r\n\r\nok/g) ?? []).length;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const w of waiting.filter((w) => count() >= w.n)) w.done();
    });
    const ended = new Promise<string>((done) => {
      socket.once('end', () => done('end'));
      socket.once('error', (error: NodeJS.ErrnoException) => done(`error: ${error.code}`));
    });
    const answers = (n: number) => (count() >= n ? Promise.resolve() : new Promise<void>((done) => waiting.push({ n, done })));
  });
}

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
/** Far beyond every grace period below: reaching it means the drain waited for a connection nobody closed. */
const DEADLINE_MS = 10_000;

describe('HttpDrainer: a drain closes idle keep-alive connections after the grace period', () => {
  let server: Server;
  let drainer: HttpDrainer;
  /** Responses the handler keeps open until a test ends them. */
  let held: ServerResponse[];
  const clients: Client[] = [];

  type Handler = (request: IncomingMessage, response: ServerResponse) => void;
  const answerOk: Handler = (_request, response) => response.end('ok');

  const start = async (idleGraceMs: number, handler: Handler = answerOk) => {
    server = createServer(handler);
    // Node's own keep-alive timeout would close an idle connection by itself: off, so that only the drainer can.
    server.keepAliveTimeout = 0;
    drainer = new HttpDrainer(server, idleGraceMs);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  };

  const client = async () => {
    const c = await openClient(server);
    clients.push(c);
    return c;
  };

  beforeEach(() => (held = []));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('closes a connection idle when the drain begins, cleanly, and reports nothing cut', async () => {
    // Arrange: a keep-alive connection that carried one request and now sits idle.
    await start(200);
    const c = await client();
    c.socket.write(GET);
    await c.answers(1);
    expect(c.received()).not.toMatch(/Connection: close/i);

    // Act
    const cut = await drainer.drain(Date.now() + DEADLINE_MS);

    // Assert: the drainer closed it (not the deadline, which would count it as cut).
    expect(cut).toBe(0);
    await expect(c.ended).resolves.toBe('end');
  });

  it('answers a request that arrives on an idle connection during the grace, with Connection: close', async () => {
    await start(5000);
    const c = await client();
    c.socket.write(GET);
    await c.answers(1);

    const draining = drainer.drain(Date.now() + DEADLINE_MS);
    c.socket.write(GET);
    await c.answers(2);

    expect(c.received().split('HTTP/1.1 200')[2]).toMatch(/Connection: close/i);
    await expect(c.ended).resolves.toBe('end');
    await expect(draining).resolves.toBe(0);
  });

  it('closes a connection once idle when its response began before the drain and ended after it', async () => {
    // A streamed answer whose headers (keep-alive) were sent before the drain: it cannot carry Connection: close.
    await start(200, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('o');
      held.push(res);
    });
    const c = await client();
    c.socket.write(GET);
    await new Promise<void>((resolve) => c.socket.once('data', () => resolve()));

    const draining = drainer.drain(Date.now() + DEADLINE_MS);
    held[0].end('k');

    await expect(draining).resolves.toBe(0);
    await expect(c.ended).resolves.toBe('end');
    expect(c.received()).toMatch(/\r\n\r\n/);
  });
});
