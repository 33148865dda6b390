import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { countRows, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn, propertyRuns } from './support/test-settings';

const stay = () => ({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }) as Record<string, unknown>;
const manyKeys = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Runs `work` over `items`, at most `width` at a time. */
async function inParallel<T>(width: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

/** encodeURIComponent, except that a lone surrogate is sent as the invalid bytes a client would send. */
const percentEncode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
};

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request exactly as written: headers and bytes are not touched by a client library. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // A connection per request: the test is about answers, not about keep-alive races.
    const req = httpRequest(new URL(path, base), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The one error body of the service: status, phrase, detail, and for a 400 the problems. */
function expectErrorBody(status: number, body: Record<string, unknown>) {
  expect(body).toEqual(expect.objectContaining({ statusCode: status, error: expect.any(String), detail: expect.any(String) }));
  if (status === 400) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ feature: expect.any(String), constraint: expect.any(String) })]));
}

function hostileSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver);
  beforeAll(() => (api = booted()));
  const post = (path: string, body: unknown) => request(api.url).post(path).send(body as object);

  describe('bounded work per request (defect 1)', () => {
    it.each([
      // Counted in the raw bytes, before JSON.parse (which alone takes ~6 ms for 10,000 keys).
      ['at top level', () => ({ features: stay(), ...manyKeys(2_000) }), 'body', /more than 1000 properties in all/],
      ['inside features', () => ({ features: { ...stay(), ...manyKeys(2_000) } }), 'body', /more than 1000 properties in all/],
      // Counted per object after parsing, before any transformation.
      ['inside features, 300 of them', () => ({ features: { ...stay(), ...manyKeys(300) } }), 'features', /more than 200 properties/],
    ])('many keys %s: 400 naming the cap, nothing stored', async (_where, body, feature, message) => {
      const { body: answer } = await post('/predict', body()).expect(400);
      expect(answer.errors).toEqual([expect.objectContaining({ feature, constraint: 'maxKeys', message: expect.stringMatching(message) })]);
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
    });

    it('100,000 keys in one batch item fail that item only', async () => {
      const { body } = await post('/predict/batch', { items: [{ features: stay() }, { features: { ...stay(), ...manyKeys(100_000) } }] }).expect(200);
      expect(body.results.map((r: { status: number }) => r.status)).toEqual([200, 400]);
      expect(body.results[1].error.errors).toEqual([expect.objectContaining({ feature: 'features', constraint: 'maxKeys' })]);
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
    });

    it('names at most 20 unknown keys in warnings, and counts the rest', async () => {
      const { body } = await post('/predict', { features: { ...stay(), ...manyKeys(150, 'extra_') } }).expect(200);
      expect(body.warnings).toHaveLength(21);
      expect(body.warnings[20]).toEqual({ feature: '*', type: 'unknown_feature', message: expect.stringContaining('130 more keys') });
    });
  });

  describe('control characters and unpaired surrogates (defect 2)', () => {
    it.each([
      ['NUL', 'Manager\u0000'],
      ['a lone high surrogate', 'Manager\ud800'],
      ['a lone low surrogate', '\udc00Manager'],
      ['an escape character', 'Man\u001bager'],
      ['a C1 control', 'Manager\u0085'],
    ])('%s in a category: 400 naming the feature, nothing stored', async (_what, poste) => {
      const { body } = await post('/predict', { features: { ...stay(), poste } }).expect(400);
      expect(body.errors).toEqual([expect.objectContaining({ feature: 'poste', constraint: 'noControlCharacters' })]);
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
    });

    it('accepts a well-formed surrogate pair (an emoji is text, not a control character)', async () => {
      const { body } = await post('/predict', { features: { ...stay(), poste: 'Manager 🚀' } }).expect(200);
      expect(body.warnings).toEqual([expect.objectContaining({ feature: 'poste', type: 'unknown_category' })]);
    });

    it('a NUL item in a 1,000-item batch fails alone; the other 999 are stored', async () => {
      const items = Array.from({ length: 1000 }, () => ({ features: stay() }));
      items[617] = { features: { ...stay(), departement: 'Consulting\u0000' } };
      const { body } = await post('/predict/batch', { items }).expect(200);
      expect(body).toMatchObject({ stored: 999, rejected: 1 });
      expect(body.results[617]).toMatchObject({ index: 617, status: 400, error: { errors: [expect.objectContaining({ feature: 'departement' })] } });
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 999, outputs: 999 });
    });

    it('a control character in a property name is refused without echoing the name', async () => {
      const { body, text } = await post('/predict', { features: { ...stay(), 'bad\u0000key': 1 } }).expect(400);
      expect(body.errors).toEqual([expect.objectContaining({ feature: 'features', constraint: 'noControlCharacters' })]);
      expect(text).not.toContain('bad');
    });
  });

  describe('deep nesting (defect 3)', () => {
    it.each([
      ['in a feature', () => ({ features: { ...stay(), age: nested(1500) } }), 'age'],
      ['at top level', () => ({ features: stay(), deep: nested(1500) }), 'body'],
    ])('1,500 levels %s: 400, not a stack overflow', async (_where, body, feature) => {
      const { body: answer } = await post('/predict', body()).expect(400);
      expect(answer.errors).toEqual([expect.objectContaining({ feature, constraint: 'maxDepth' })]);
    });

    it('a deep batch item fails alone', async () => {
      const { body } = await post('/predict/batch', { items: [{ features: { ...stay(), poste: nested(1500, 'x') } }, { features: stay() }] }).expect(200);
      expect(body.results.map((r: { status: number }) => r.status)).toEqual([400, 200]);
      expect(body.results[0].error.errors).toEqual([expect.objectContaining({ feature: 'poste', constraint: 'maxDepth' })]);
    });
  });

  describe('ids, dates and parameters (defect 4)', () => {
    it.each(['2147483648', '9007199254740993', '0x1', '1e0', '+1', '1.0', '01', '0', '-1', ' 1', 'abc'])(
      'path id %p: 400 for GET /predictions/:id and DELETE /inputs/:id',
      async (id) => {
        const path = encodeURIComponent(id);
        const got = await request(api.url).get(`/predictions/${path}`).expect(400);
        expect(got.body.errors).toEqual([expect.objectContaining({ feature: 'id', constraint: 'isRowId' })]);
        await request(api.url).delete(`/inputs/${path}`).expect(400);
      },
    );

    it('the largest id is well-formed: 404, not a database error', async () => {
      await request(api.url).get('/predictions/2147483647').expect(404);
      await request(api.url).delete('/inputs/2147483647').expect(404);
    });

    it.each([
      ['cursor=2147483648', 'cursor'],
      ['from=2026-W01', 'from'],
      ['from=20261101', 'from'],
      ['to=2026-11-01T10:00:00,5Z', 'to'],
      ['to=2026-02-30', 'to'],
      ['from=2026-11-01T10:00:00', 'from'],
      ['model_version=%00', 'model_version'],
      ['model_version=1.0.0%0A', 'model_version'],
      ['limit=abc', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['prediction=1&prediction=0', 'prediction'],
    ])('?%s: 400 naming %s', async (query, feature) => {
      for (const path of ['/predictions', '/predictions/export.csv']) {
        const { body } = await request(api.url).get(`${path}?${query}`).expect(400);
        expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ feature })]));
      }
    });

    it('says what is wrong with a parameter: not a number, or repeated', async () => {
      const notNumber = await request(api.url).get('/predictions?limit=abc').expect(400);
      expect(notNumber.body.detail).toBe('Invalid request: limit must be an integer');
      const repeated = await request(api.url).get('/predictions?limit=1&limit=2').expect(400);
      expect(repeated.body.detail).toBe('Invalid request: limit must be given once');
    });

    it('accepts the documented date forms', async () => {
      await request(api.url).get('/predictions?from=2026-11-01&to=2026-12-01T08:30:00.5%2B01:00').expect(200);
    });

    it('a body declared gzip that is not gzip: 400', async () => {
      const answer = await raw(api.url, 'POST', '/predict', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, JSON.stringify({ features: stay() }));
      expect(answer.status).toBe(400);
      expectErrorBody(400, JSON.parse(answer.text));
    });
  });

  describe('one error body; JSON only (defect 5)', () => {
    it.each([
      ['malformed JSON', '{"features": {"zqx_secret": 4'],
      ['a NaN literal', '{"features": {"zqx_secret": NaN}}'],
      ['a body that is not an object', '"zqx_secret"'],
      ['a body that starts like no JSON', 'zqx_secret'],
    ])('%s: 400 with errors, quoting nothing of the body', async (_what, text) => {
      const answer = await raw(api.url, 'POST', '/predict', { 'content-type': 'application/json' }, text);
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.text);
      expectErrorBody(400, body);
      expect(body.errors[0]).toMatchObject({ feature: 'body' });
      expect(answer.text).not.toMatch(/zqx|NaN/);
    });

    it.each([
      ['text/plain', { 'content-type': 'text/plain' }],
      ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['no Content-Type', {}],
    ])('%s: 415 naming the accepted type', async (_what, headers) => {
      for (const path of ['/predict', '/predict/batch']) {
        const answer = await raw(api.url, 'POST', path, headers as Record<string, string>, JSON.stringify({ features: stay() }));
        expect(answer.status).toBe(415);
        expect(JSON.parse(answer.text)).toEqual({ statusCode: 415, error: 'Unsupported Media Type', detail: expect.stringContaining('application/json'), request_id: expect.any(String) });
      }
    });
  });

  it('exports stored formulas as text, never as live formulas (defect 6)', async () => {
    const formulas = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", '@SUM(A1:A2)', '-2+3'];
    for (const poste of formulas) await post('/predict', { features: { ...stay(), poste } }).expect(200);
    const { text } = await request(api.url).get('/predictions/export.csv').expect(200);
    const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    for (const formula of formulas) {
      expect(text).toContain(`,${cell(`'${formula}`)},`);
      expect(text).not.toContain(`,${cell(formula)},`);
    }
  });

  describe('generated hostile input (fast-check, fixed seed)', () => {
    // Every string a hostile client may send: control characters, lone surrogates, formulas, huge numbers.
    const hostileString = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('\u0000', '\ud800', '=1+1', '', ' ', '__proto__', 'constructor', '😀'.slice(0, 1)),
    );
    const hostileValue = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        hostileString,
        fc.double(),
        fc.integer(),
        fc.constantFrom(null, true, false, 1e308, -0, 2 ** 53 + 1),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const hostileFeatures = fc.record({ mutations: fc.dictionary(fc.constantFrom(...Object.keys(stay()), 'x', '__proto__'), hostileValue, { maxKeys: 4 }) })
      .map(({ mutations }) => ({ ...stay(), ...mutations }));
    const hostileBody = fc.oneof(
      hostileFeatures.map((features) => ({ features })),
      hostileValue,
      fc.record({ features: hostileValue, explain: hostileValue }, { requiredKeys: [] }),
      fc.integer({ min: 9, max: 40 }).map((depth) => ({ features: { ...stay(), age: nested(depth) } })),
      fc.integer({ min: 201, max: 3000 }).map((n) => ({ features: { ...stay(), ...manyKeys(n) } })),
    );

    /** Status and text of each answer; the check is the same for every body. */
    const check = (status: number, text: string) => {
      expect(status).toBeLessThan(500);
      expect(text).not.toMatch(/\bat \S+ \(|node_modules|TypeError|RangeError|stack/);
      if (status >= 400) expectErrorBody(status, JSON.parse(text));
    };

    it(`${propertyRuns(1200) + propertyRuns(800)} malformed, deep, many-keyed and control-character bodies: never a 5xx, never a stack; an honest client unaffected`, async () => {
      // 2,000 bodies in the full run (TEST_PROPERTY_RUNS scales them)
      const bodies = fc.sample(hostileBody, { numRuns: propertyRuns(1200), seed: 20261130 });
      const batches = fc.sample(fc.array(hostileBody, { minLength: 1, maxLength: 5 }), { numRuns: propertyRuns(800), seed: 20261201 });
      let honest = 0;
      let stop = false;
      const honestIds: number[] = [];
      const honestFailures: string[] = [];
      const honestClient = (async () => {
        while (!stop) {
          const answer = await post('/predict', { features: stay() }).catch((e: Error) => ({ status: 0, body: e.message }));
          if (answer.status === 200) honestIds.push(answer.body.input_id);
          else honestFailures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
          honest++;
        }
      })();
      const requests = [
        ...bodies.map((body) => ['/predict', JSON.stringify(body) ?? 'null'] as const),
        ...batches.map((items) => ['/predict/batch', JSON.stringify({ items })] as const),
      ];
      await inParallel(8, requests, async ([path, text]) => {
        const answer = await raw(api.url, 'POST', path, { 'content-type': 'application/json' }, text).catch((e: Error) => {
          throw new Error(`${e.message} for a body of ${text.length} bytes: ${text.slice(0, 300)}`);
        });
        check(answer.status, answer.text);
        if (path === '/predict/batch' && answer.status === 200) {
          for (const result of JSON.parse(answer.text).results) expect([200, 400]).toContain(result.status);
        }
      });
      stop = true;
      await honestClient;
      expect(honestFailures).toEqual([]);
      expect(honest).toBeGreaterThan(0);
      const stored = await api.dataSource.query(`SELECT COUNT(*) AS n FROM model_inputs WHERE id IN (${honestIds.join(',')})`);
      expect(Number(stored[0].n)).toBe(honestIds.length);
    }, 300_000);

    it('500 hostile query strings and ids on the history endpoints: never a 5xx', async () => {
      const names = ['limit', 'cursor', 'from', 'to', 'prediction', 'model_version', 'min_probability', 'x'];
      const parameter = fc.tuple(fc.constantFrom(...names), fc.oneof(hostileString, fc.integer().map(String), fc.constantFrom('2147483648', '1e400', 'NaN', '2026-13-01', '%', '%00', '%E0%A4%A')));
      const queries = fc.sample(fc.array(parameter, { minLength: 1, maxLength: 3 }), { numRuns: propertyRuns(350), seed: 7 });
      const ids = fc.sample(fc.oneof(hostileString, fc.bigInt().map(String), fc.double().map(String)), { numRuns: propertyRuns(150), seed: 8 });
      for (const query of queries) {
        const text = query.map(([k, v]) => `${k}=${v.startsWith('%') ? v : percentEncode(v)}`).join('&');
        for (const path of ['/predictions', '/predictions/export.csv']) {
          const answer = await raw(api.url, 'GET', `${path}?${text}`, {});
          check(answer.status, answer.headers['content-type']?.includes('json') ? answer.text : '{}');
        }
      }
      for (const id of ids) {
        const encoded = percentEncode(id) || '%20';
        for (const [method, path] of [['GET', `/predictions/${encoded}`], ['DELETE', `/inputs/${encoded}`]]) {
          const answer = await raw(api.url, method, path, {});
          check(answer.status, answer.text || '{}');
        }
      }
    }, 120_000);
  });
}

describeWithPostgres('hostile input on PostgreSQL', () => hostileSuite('postgres'));
describeOn('sqlite')('hostile input on the embedded SQLite database', () => hostileSuite('sqlite'));
