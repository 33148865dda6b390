import { Request } from 'express';
import { ApiKeyPolicy } from './api-keys';

const ADMIN = 'admin-key-0123456789abcdef';
const PREDICT = 'predict-key-0123456789abcd';

function requestFrom(remoteAddress: string, headers: Record<string, string> = {}): Request {
  return { socket: { remoteAddress }, header: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
}

describe('ApiKeyPolicy', () => {
  describe('without ADMIN_API_KEYS: personal data for local clients only', () => {
    const policy = new ApiKeyPolicy({});

    it.each(['127.0.0.1', '127.10.0.3', '::1', '::ffff:127.0.0.1'])('lets the loopback peer %s in', (address) => {
      expect(() => policy.assertAdmin(requestFrom(address))).not.toThrow();
    });

    it.each(['10.0.0.5', '192.168.1.20', '::ffff:10.1.2.3', '2001:db8::1', '128.0.0.1'])('refuses %s, saying to set ADMIN_API_KEYS', (address) => {
      expect(() => policy.assertAdmin(requestFrom(address))).toThrow(/ADMIN_API_KEYS/);
    });

    it('is not fooled by a forwarded header', () => {
      expect(() => policy.assertAdmin(requestFrom('10.0.0.5', { 'x-forwarded-for': '127.0.0.1' }))).toThrow();
    });
  });

  describe('without ADMIN_API_KEYS behind a trusted proxy (TRUST_PROXY set): personal data for nobody', () => {
    const policy = new ApiKeyPolicy({ proxyTrusted: true });

    it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.5'])('refuses the peer %s, saying a proxy is trusted and to set ADMIN_API_KEYS', (address) => {
      expect(() => policy.assertAdmin(requestFrom(address))).toThrow(/trusts a reverse proxy \(TRUST_PROXY\).*Set ADMIN_API_KEYS/);
    });

    it('still lets a valid admin key in once keys are set', () => {
      const keyed = new ApiKeyPolicy({ proxyTrusted: true, adminApiKeys: [ADMIN] });
      expect(() => keyed.assertAdmin(requestFrom('127.0.0.1', { 'x-api-key': ADMIN }))).not.toThrow();
      expect(() => keyed.assertAdmin(requestFrom('127.0.0.1'))).toThrow(/send an admin API key/);
    });
  });

  it('judges the socket peer, not request.ip (which a trusted proxy sets from X-Forwarded-For)', () => {
    const forwarded = { ...requestFrom('192.0.2.7'), ip: '127.0.0.1' } as unknown as Request;
    expect(() => new ApiKeyPolicy({}).assertAdmin(forwarded)).toThrow(/ADMIN_API_KEYS/);
  });

  describe('with keys', () => {
    const policy = new ApiKeyPolicy({ adminApiKeys: [ADMIN], predictApiKeys: [PREDICT] });

    it('requires an admin key even from loopback', () => {
      expect(() => policy.assertAdmin(requestFrom('127.0.0.1'))).toThrow();
      expect(() => policy.assertAdmin(requestFrom('10.0.0.5', { 'x-api-key': ADMIN }))).not.toThrow();
      expect(() => policy.assertAdmin(requestFrom('10.0.0.5', { authorization: `Bearer ${PREDICT}` }))).toThrow();
    });

    it('lets a prediction key or an admin key predict, nothing else', () => {
      expect(() => policy.assertPredict(requestFrom('10.0.0.5', { authorization: `Bearer ${PREDICT}` }))).not.toThrow();
      expect(() => policy.assertPredict(requestFrom('10.0.0.5', { 'x-api-key': ADMIN }))).not.toThrow();
      expect(() => policy.assertPredict(requestFrom('127.0.0.1'))).toThrow();
      expect(() => policy.assertPredict(requestFrom('127.0.0.1', { 'x-api-key': PREDICT.slice(1) }))).toThrow();
    });

    it('names a client by a digest of its valid key, never by the key or by an invalid one', () => {
      const id = policy.clientId(requestFrom('10.0.0.5', { 'x-api-key': PREDICT }));
      expect(id).toMatch(/^key:[0-9a-f]{16}$/);
      expect(id).not.toContain(PREDICT);
      expect(policy.clientId(requestFrom('10.0.0.5', { 'x-api-key': 'made-up-key-0123456789' }))).toBeUndefined();
    });
  });

  it('leaves prediction open without PREDICT_API_KEYS', () => {
    expect(() => new ApiKeyPolicy({ adminApiKeys: [ADMIN] }).assertPredict(requestFrom('10.0.0.5'))).not.toThrow();
  });
});
