import { DEFAULT_SHAPE_LIMITS, inspectRequestShape } from './request-shape';

const known = new Set(['features', 'age', 'poste']);
const inspect = (value: unknown) => inspectRequestShape(value, known);
const deep = (depth: number) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { age: value };
  return value;
};

describe('inspectRequestShape', () => {
  it('accepts an ordinary /predict body', () => {
    expect(inspect({ features: { age: 30, poste: 'Manager', extra: [1, 'two'] }, explain: true })).toEqual([]);
  });

  it('accepts exactly the limits and rejects one more', () => {
    expect(inspect(deep(DEFAULT_SHAPE_LIMITS.maxDepth))).toEqual([]);
    expect(inspect(deep(DEFAULT_SHAPE_LIMITS.maxDepth + 1))).toEqual([expect.objectContaining({ constraint: 'maxDepth' })]);
    const keys = (n: number) => ({ features: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) });
    expect(inspect(keys(DEFAULT_SHAPE_LIMITS.maxKeysPerObject))).toEqual([]);
    expect(inspect(keys(DEFAULT_SHAPE_LIMITS.maxKeysPerObject + 1))).toEqual([
      { feature: 'features', constraint: 'maxKeys', message: `features must not have more than ${DEFAULT_SHAPE_LIMITS.maxKeysPerObject} properties` },
    ]);
    expect(inspect({ features: { poste: new Array(DEFAULT_SHAPE_LIMITS.maxValues).fill(0) } })).toEqual([
      expect.objectContaining({ feature: 'body', constraint: 'maxValues' }),
    ]);
  });

  it('walks a million-deep value without recursion (no stack overflow)', () => {
    const root: unknown[] = [];
    let cursor = root;
    for (let i = 0; i < 1_000_000; i++) {
      const next: unknown[] = [];
      cursor.push(next);
      cursor = next;
    }
    expect(inspect({ features: { age: root } })).toEqual([expect.objectContaining({ feature: 'age', constraint: 'maxDepth' })]);
  });

  it('stops at the cap on a 100,000-key object instead of visiting every key', () => {
    const huge = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, { age: '\u0000' }]));
    expect(inspect({ features: huge })).toEqual([expect.objectContaining({ constraint: 'maxKeys' })]);
  });

  it.each([
    ['NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['a C1 control', '\u0085'],
    ['a lone high surrogate', 'a\ud83d'],
    ['a lone low surrogate', '\ude00a'],
    ['a reversed pair', '\ude00\ud83d'],
  ])('rejects %s in a value, naming the feature', (_what, text) => {
    expect(inspect({ features: { poste: text } })).toEqual([expect.objectContaining({ feature: 'poste', constraint: 'noControlCharacters' })]);
  });

  it('accepts well-formed text outside ASCII: accents, emoji (surrogate pairs)', () => {
    expect(inspect({ features: { poste: 'Marié(e) 🚀 ＝' } })).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects a property named %s at any depth', (key) => {
    expect(inspect(JSON.parse(`{"features": {"poste": [{"${key}": {"x": 1}}]}}`))).toEqual([
      expect.objectContaining({ feature: 'poste', constraint: 'reservedKey' }),
    ]);
  });

  it('never names a property the client made up', () => {
    const problems = inspect({ features: { 'made-up': '\u0000', 'bad\u0000key': 1 }, 'other\u0001': 2 });
    expect(problems.map((p) => p.feature).sort()).toEqual(['body', 'features']);
    expect(JSON.stringify(problems)).not.toMatch(/made-up|bad|other/);
  });
});
