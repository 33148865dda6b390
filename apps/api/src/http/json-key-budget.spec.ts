import { countJsonKeys, jsonKeyBudget } from './json-key-budget';

const count = (value: unknown) => countJsonKeys(Buffer.from(JSON.stringify(value)));

describe('countJsonKeys', () => {
  it('counts property names at every depth, and nothing else', () => {
    expect(count({ a: 1, b: { c: [1, { d: 2 }] } })).toBe(4);
    expect(count([1, 2, 'three'])).toBe(0);
  });

  it('ignores colons and quotes inside strings, escaped quotes included', () => {
    expect(count({ 'a:b': 'x:y', t: '2026-11-01T10:00:00Z', q: 'say \\"a:b\\" :' })).toBe(3);
  });

  it('refuses a body over the budget before parsing, with status 400', () => {
    const verify = jsonKeyBudget(2);
    expect(() => verify({} as never, {} as never, Buffer.from('{"a":1,"b":2}'))).not.toThrow();
    expect(() => verify({} as never, {} as never, Buffer.from('{"a":1,"b":2,"c":3}'))).toThrow(
      expect.objectContaining({ status: 400, message: 'The body must not have more than 2 properties in all' }),
    );
  });
});
