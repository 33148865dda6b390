import express, { RequestHandler } from 'express';
import helmet from 'helmet';
import { AddressInfo } from 'node:net';
import { HELMET_OPTIONS, headersSetBy, securityHeaders } from './security-headers';

/** The headers of an answer from a real Express app with `middleware` in front of an empty route. */
async function headersBehind(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.disable('x-powered-by');
  app.use(middleware);
  app.get('/', (_request, response) => void response.end());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const headers = Object.fromEntries(answer.headers);
    for (const transport of ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']) delete headers[transport];
    return headers;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('securityHeaders', () => {
  it("sets exactly helmet's own headers for our options, plus Cache-Control: no-store", async () => {
    const ours = await headersBehind(securityHeaders());
    const helmets = await headersBehind(helmet(HELMET_OPTIONS));
    expect(ours).toEqual({ ...helmets, 'cache-control': 'no-store' });
    expect(Object.keys(helmets).length).toBeGreaterThanOrEqual(12);
    expect(ours['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});

describe('headersSetBy', () => {
  it('keeps what is set and not removed, and refuses a middleware that reads the request or does not pass on at once', () => {
    expect(headersSetBy((_request, response, next) => (response.setHeader('A', '1'), response.setHeader('B', '2'), response.removeHeader('A'), next()))).toEqual([['B', '2']]);
    expect(() => headersSetBy((request, _response, next) => (void request.path, next()))).toThrow('helmet read request.path');
    expect(() => headersSetBy((_request, _response, next) => void setImmediate(next))).toThrow('did not pass the request on at once');
  });
});
