import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { TestApp, useTestApp } from './support/app';

const features = EXAMPLE_EMPLOYEE_LIKELY_TO_STAY;
const LIMIT = { RATE_LIMIT_PREDICT: '2', RATE_LIMIT_WINDOW_MS: '60000' };

const predictAs = (api: TestApp, forwardedFor: string) =>
  request(api.url).post('/predict').set('X-Forwarded-For', forwardedFor).send({ features });

/** This machine's first non-loopback IPv4 address, to connect from a peer that is not local. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

/** GET `path` over a connection whose source (the server's socket peer) is `localAddress`. */
function getFrom(api: TestApp, localAddress: string, path: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, headers, localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TRUST_PROXY unset (default): X-Forwarded-For is ignored', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { ...LIMIT, TRUST_PROXY: undefined } });
  beforeAll(() => (api = booted()));

  it('keys rate limits on the socket peer: a client cannot buy budget by inventing forwarded addresses', async () => {
    await predictAs(api, '203.0.113.1').expect(200);
    await predictAs(api, '203.0.113.2').expect(200);
    await predictAs(api, '203.0.113.3').expect(429);
  });
});

describe('TRUST_PROXY=loopback: the load balancer on this machine says who the client is', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { ...LIMIT, TRUST_PROXY: 'loopback' } });
  beforeAll(() => (api = booted()));

  it('keys rate limits on the forwarded client: one client is limited, another keeps its own budget', async () => {
    await predictAs(api, '203.0.113.1').expect(200);
    await predictAs(api, '203.0.113.1').expect(200);
    await predictAs(api, '203.0.113.1').expect(429);
    await predictAs(api, '203.0.113.2').expect(200);
    // A client's own X-Forwarded-For entry in front of the proxy's is not trusted: the proxy appends the peer it saw.
    await predictAs(api, '198.51.100.7, 203.0.113.2').expect(200);
    await predictAs(api, '198.51.100.8, 203.0.113.2').expect(429);
  });
});

describe('the loopback-only admin rule judges the socket peer, never X-Forwarded-For', () => {
  const address = externalAddress();
  let api: TestApp;
  // The peer below (this machine's external address) is a trusted proxy, so request.ip becomes the
  // forwarded 127.0.0.1: the admin rule must still see a client that is not local.
  const booted = useTestApp('sqlite', { env: { TRUST_PROXY: address ?? 'false', ADMIN_API_KEYS: undefined } });
  beforeAll(() => (api = booted()));

  it('refuses a non-local peer that forwards "127.0.0.1", and still answers a local one', async () => {
    if (!address) return console.warn('No non-loopback IPv4 address on this machine: admin rule behind a proxy not tested');
    await expect(getFrom(api, address, '/predictions', { 'X-Forwarded-For': '127.0.0.1' })).resolves.toBe(401);
    await expect(getFrom(api, address, '/metrics', { 'X-Forwarded-For': '::1' })).resolves.toBe(401);
    await expect(getFrom(api, '127.0.0.1', '/predictions', {})).resolves.toBe(200);
  });
});
