import { request as httpRequest } from 'node:http';
import { connect, Socket } from 'node:net';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { TestApp, useTestApp } from './support/app';

const MAX_CONNECTIONS = 40;
const PER_CLIENT = 10;
// Linux accepts any 127.0.0.0/8 source on lo: three clients of one machine with addresses of their own.
const HONEST = '127.0.0.1';
const GREEDY = '127.0.0.2';
const PROXY = '127.0.0.3';
// One greedy address per test, so that no test sees connections of the previous one still counted.
const GREEDY_2 = '127.0.0.4';
const GREEDY_3 = '127.0.0.5';
const body = JSON.stringify({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY });

interface Held {
  socket: Socket;
  /** What the server wrote on it. */
  received: () => string;
  closed: Promise<void>;
}

/** A connection from `source` that sends the start of a request and never the rest. */
function holdHalfSent(api: TestApp, source: string): Promise<Held> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect({ host: hostname, port: Number(port), localAddress: source }, () => {
      socket.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
      resolve({ socket, received: () => text, closed });
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', reject);
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One POST /predict on a fresh connection from `source`; status 0 and the error code when the connection fails. */
function predictFrom(api: TestApp, source: string): Promise<Answer> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: hostname, port, method: 'POST', path: '/predict', localAddress: source, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    // A reset is an answer too here: the one a starved client gets.
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: error.code ?? error.message }));
    req.end(body);
  });
}

describe('per-client connection cap (HTTP_MAX_CONNECTIONS_PER_CLIENT)', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', {
    env: {
      HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      HTTP_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
      // The half-sent requests must stay open for the whole test, not be cut by the slow-client timeouts.
      HTTP_HEADERS_TIMEOUT_MS: '120000',
      HTTP_REQUEST_TIMEOUT_MS: '120000',
      TRUST_PROXY: PROXY,
    },
  });
  beforeAll(() => (api = booted()));

  let held: Held[] = [];
  afterEach(async () => {
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    held = [];
  });

  it('one client holding more half-sent requests than the whole server allows does not starve another client', async () => {
    // Arrange: the greedy client tries to take every slot of the server, and more.
    held = await Promise.all(Array.from({ length: MAX_CONNECTIONS + 20 }, () => holdHalfSent(api, GREEDY)));
    // The server closes every connection over the cap; the ones within it stay open. (The wait is
    // bounded so that, without the cap, the test goes on to fail on what the honest client sees.)
    const closedSoFar = () => held.filter((h) => h.socket.destroyed).length;
    const waitUntil = Date.now() + 10_000;
    while (closedSoFar() < held.length - PER_CLIENT && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 20));

    // Act: an honest client predicts, several connections at a time, while the greedy one holds its slots.
    const answers: Answer[] = [];
    for (let round = 0; round < 4; round++) answers.push(...(await Promise.all(Array.from({ length: 5 }, () => predictFrom(api, HONEST)))));

    // Assert
    expect(answers.map((a) => (a.status === 0 ? a.body : a.status))).toEqual(Array(20).fill(200));
    const open = held.filter((h) => !h.socket.destroyed);
    expect(open).toHaveLength(PER_CLIENT);
    expect(open.map((h) => h.received())).toEqual(Array(PER_CLIENT).fill(''));
    // The refused ones that were answered got a 429 they can act on.
    const refusals = held.map((h) => h.received()).filter((text) => text !== '');
    expect(refusals.length).toBeGreaterThan(0);
    for (const text of refusals) expect(text).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n[^]*\r\nRetry-After: 1\r\n/);
  });

  it('answers a request over the cap with 429, Retry-After and the usual error body', async () => {
    held = await Promise.all(Array.from({ length: PER_CLIENT }, () => holdHalfSent(api, GREEDY_2)));

    const answer = await predictFrom(api, GREEDY_2);

    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      detail: expect.stringMatching(/^Too many open connections from your address: at most 10 at once\. .*retry after 1 s$/),
    });
    // The cap is per client: another address is still served.
    await expect(predictFrom(api, HONEST)).resolves.toMatchObject({ status: 200 });
  });

  it('frees a slot when one of the client\'s connections closes', async () => {
    held = await Promise.all(Array.from({ length: PER_CLIENT }, () => holdHalfSent(api, GREEDY_3)));
    await expect(predictFrom(api, GREEDY_3)).resolves.toMatchObject({ status: 429 });

    held[0].socket.destroy();
    await held[0].closed;
    let answer = await predictFrom(api, GREEDY_3);
    // The server may learn of the close a moment after the client: the refusal says to retry.
    while (answer.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await predictFrom(api, GREEDY_3);
    }

    expect(answer.status).toBe(200);
  });

  it('exempts a trusted proxy (TRUST_PROXY), which carries many clients and enforces its own limits', async () => {
    held = await Promise.all(Array.from({ length: PER_CLIENT + 5 }, () => holdHalfSent(api, PROXY)));

    const answer = await predictFrom(api, PROXY);

    expect(answer.status).toBe(200);
    expect(held.every((h) => !h.socket.destroyed && h.received() === '')).toBe(true);
  });
});
