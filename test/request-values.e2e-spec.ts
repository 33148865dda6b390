import fc from 'fast-check';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn, propertyRuns } from './support/test-settings';

/**
 * Every date and id a client can send, in a body field, a query parameter or a path, on every
 * endpoint that takes one (and the other parameters of those endpoints): whatever the text, the
 * answer is a 2xx or a 4xx with the usual error body, never a 5xx, on both engines.
 *
 * No 5xx also means no Invalid Date ever reached pg: pg sends one as text no timestamp column
 * reads, so the statement fails (and pg prints its PG_INVALID_DATE warning on stderr, outside the
 * JSON log lines). That warning is emitted on the real process, which a Jest sandbox cannot watch.
 */

/** Runs per endpoint and engine (150, TEST_PROPERTY_RUNS): each one request with every parameter drawn at random. */
const RUNS = propertyRuns(150);

// ---- what a client might send ------------------------------------------------------------------

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** Dates with their parts mutated: wrong lengths, week and ordinal forms, zones, fractions. */
const dateLike: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(digits(4, 4), digits(1, 6), fc.constantFrom('1900', '1969', '1970', '2026', '9999', '0000', '+002026', '-0001')),
    fc.oneof(digits(2, 2), fc.constantFrom('W01', 'W53', '001', '366', '')),
    fc.oneof(digits(2, 2), fc.constant('')),
    fc.option(
      fc.tuple(
        fc.constantFrom('T', 't', ' ', ''),
        fc.oneof(digits(2, 2), fc.constant('24')),
        digits(2, 2),
        fc.option(fc.oneof(digits(2, 2), fc.constant('60'))),
        fc.option(fc.tuple(fc.constantFrom('.', ','), digits(1, 12))),
      ),
    ),
    fc.constantFrom('', 'Z', 'z', '+01:00', '-23:59', '+24:00', '+0100', '+01', '-00:00', '+14:00', ' UTC'),
  )
  .map(([y, m, d, time, zone]) => {
    const clock = time ? `${time[0]}${time[1]}:${time[2]}${time[3] === null ? '' : `:${time[3]}`}${time[4] === null ? '' : time[4].join('')}` : '';
    return `${y}-${m}${d === '' ? '' : `-${d}`}${clock}${zone}`;
  });

/**
 * One instant written in the other ISO 8601 and RFC 3339 forms: week and ordinal dates, the basic
 * format, reduced precision, no zone, 24:00, a comma, an expanded year. Some are accepted, most are
 * not: each must be one or the other, never a 5xx.
 */
const isoVariant: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.integer({ min: 1, max: 53 }),
    fc.integer({ min: 1, max: 7 }),
    fc.integer({ min: 1, max: 366 }),
  )
  .chain(([date, week, weekday, ordinal]) => {
    const iso = date.toISOString();
    const [y, m, d, t] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 19)];
    const ww = String(week).padStart(2, '0');
    const ddd = String(ordinal).padStart(3, '0');
    return fc.constantFrom(
      `${y}-W${ww}`, `${y}-W${ww}-${weekday}`, `${y}W${ww}${weekday}`, `${y}-${ddd}`, `${y}${ddd}`,
      `${y}${m}${d}`, `${y}${m}${d}T${t.replace(/:/g, '')}Z`, `${y}-${m}`, y, `${y}-${m}-${d}T${t}`,
      `${y}-${m}-${d}T${t.slice(0, 5)}`, `${y}-${m}-${d}T24:00:00Z`, `${y}-${m}-${d}T${t},5Z`, `+00${y}-${m}-${d}`,
      `${y}-${m}-${d} ${t}Z`, `${y}-${m}-${d}T${t}+0100`, `${y}-${m}-${d}T${t}+01`, `${y}-${m}-${d}T${t.slice(0, 2)}Z`,
      `${y}-${m}-${d}T${t}Z`, `${y}-${m}-${d}`, `${y}-${m}-${d}T${t}.123456789-12:00`,
    );
  });

/** Numbers as text: signs, exponents, fractions, hex, huge, the int4 and safe-integer edges. */
const numberLike: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double().map(String),
  fc.tuple(fc.constantFrom('', '+', '-', ' ', '0', '0x', '1e', '00'), digits(1, 25), fc.constantFrom('', '.0', '.5', 'e3', 'n', ' ')).map((p) => p.join('')),
  fc.constantFrom('2147483647', '2147483648', '4294967296', '9007199254740993', '-2147483649', '0', '-0', '1e309', 'NaN', 'Infinity'),
);

/** Any string at all (with unpaired surrogates too), and the shapes where parsers go wrong. */
const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: dateLike },
  { weight: 4, arbitrary: isoVariant },
  { weight: 3, arbitrary: numberLike },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\u0000', 'null', 'true', '[]', '{}', '1,2', 'x'.repeat(300), '2026-11-01\u0000', '١٢٣', '２０２６-01-01'),
  },
);

/** What a JSON body field may hold: any string, any JSON value, numbers at the edges. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(2147483647, 2147483648, 2 ** 53 + 2, -1, 0, 1e308)) },
);

/**
 * A query-string value: percent-encoded (unpaired surrogates as the invalid UTF-8 bytes they
 * would be), or written raw from characters that URL parsers treat specially ('%', '+', '&'...).
 */
type QueryValue = { text: string; raw: boolean; twice: boolean };
const queryValue: fc.Arbitrary<QueryValue> = fc.record({
  text: fc.oneof({ weight: 5, arbitrary: anyString }, { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'%0123456789ABCDEFGabf+-:.TZW&=[];,'), maxLength: 20 }) }),
  raw: fc.boolean(),
  twice: fc.boolean(),
});

/** An unpaired UTF-16 surrogate (`u` flag: a pair is one code point, not two of category Cs). */
const LONE_SURROGATE = /\p{Cs}/u;

function encodeQueryText({ text, raw }: QueryValue): string {
  // An unpaired surrogate has no UTF-8 form: send the bytes it would be if encoded anyway.
  const encode = (c: string) => (LONE_SURROGATE.test(c) ? '%ED%A0%80' : encodeURIComponent(c));
  if (raw) return [...text].map((c) => (/[\x21-\x7e]/.test(c) && c !== '#' ? c : encode(c))).join('');
  return [...text].map(encode).join('');
}

function queryString(params: Record<string, QueryValue | null>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === null) continue;
    parts.push(`${name}=${encodeQueryText(value)}`);
    if (value.twice) parts.push(`${name}=${encodeQueryText(value)}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Valid values of each parameter, in every accepted form, so that the others decide the answer. */
const validDate = fc
  .tuple(fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }), fc.constantFrom('date', 'Z', '+05:30', '-08:00'))
  .map(([date, form]) => {
    const iso = date.toISOString();
    return form === 'date' ? iso.slice(0, 10) : form === 'Z' ? iso : `${iso.slice(0, 19)}${form}`;
  });
const VALID: Record<string, fc.Arbitrary<string>> = {
  from: validDate,
  to: validDate,
  cursor: fc.integer({ min: 1, max: 2147483647 }).map(String),
  limit: fc.integer({ min: 1, max: 500 }).map(String),
  prediction: fc.constantFrom('0', '1'),
  model_version: fc.constantFrom('1.0.0', '1.1.0', '0'),
  min_probability: fc.double({ min: 0, max: 1, noNaN: true }).map(String),
};

/** Each parameter absent, valid, or any query value. */
const anyQueryOf = (names: string[]) =>
  fc.record(
    Object.fromEntries(
      names.map((n) => [
        n,
        fc.oneof(
          { weight: 2, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: VALID[n].map((text): QueryValue => ({ text, raw: false, twice: false })) },
          { weight: 2, arbitrary: queryValue },
        ),
      ]),
    ),
  );

/** One parameter any query value, the others absent or valid: that one decides the answer. */
const oneOddQueryOf = (names: string[]) =>
  fc.constantFrom(...names).chain((odd) =>
    fc.record(
      Object.fromEntries(
        names.map((n) => [
          n,
          n === odd ? queryValue : fc.option(VALID[n].map((text): QueryValue => ({ text, raw: false, twice: false })), { nil: null }),
        ]),
      ),
    ),
  );

const queryOf = (names: string[]) => fc.oneof({ weight: 2, arbitrary: oneOddQueryOf(names) }, { weight: 1, arbitrary: anyQueryOf(names) });

/** The parameters that take a date or an id, fuzzed on their own more often: this suite is about them. */
const DATES_AND_IDS = ['from', 'to', 'cursor'];

// ---- the property ------------------------------------------------------------------------------

interface Answer {
  status: number;
  body: Record<string, unknown>;
  what: string;
}

/** A 2xx, or a 4xx with the one error body: never a 5xx. */
function expectHandled({ status, body, what }: Answer): void {
  if (status >= 500 || status < 200) throw new Error(`${what} -> ${status} ${JSON.stringify(body)}`);
  if (status >= 400) {
    expect(body).toMatchObject({ statusCode: status, error: expect.any(String), detail: expect.any(String) });
    if (status === 400) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ feature: expect.any(String), message: expect.any(String) })]));
  }
}

/** The values the issue reported (500s), tried first on every run, before the random ones. */
const REPORTED_DATES = ['2026-W01', '2026-W01-1', '2026-001', '20260101', '1900-01-01', '9999-12-31', '0000-12-31', '2026-01-01T10:00'];
const REPORTED_IDS = ['2147483648', '9007199254740993', '0', '-1', '1.5', '1e3'];

function requestValuesSuite(driver: Driver) {
  let api: TestApp;
  let inputIds: number[] = [];
  const booted = useTestApp(driver, { truncate: false });

  beforeAll(async () => {
    api = booted();
    // Stored rows, so that valid parameters reach the database and return rows.
    const items = Array.from({ length: 3 }, () => ({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }));
    const { body } = await request(api.url).post('/predict/batch').send({ items }).expect(200);
    inputIds = body.results.map((r: { result: { input_id: number } }) => r.result.input_id);
  });

  const get = async (path: string): Promise<Answer> => {
    const response = await request(api.url).get(path);
    return { status: response.status, body: response.body, what: `GET ${path}` };
  };

  /** Valid outcome fields half the time, so that the other field decides and writes happen. */
  const outcomeBody = () =>
    fc.record({
      input_id: fc.oneof(fc.constantFrom(...inputIds), anyJson),
      left: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: anyJson }),
      observed_at: fc.oneof(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString()),
        anyJson,
      ),
    }, { requiredKeys: [] });

  it('POST /outcomes: any input_id, left and observed_at, alone or in a list, is a 2xx or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(outcomeBody(), fc.boolean(), async (outcome, listed) => {
        const body = listed ? { items: [outcome] } : outcome;
        const response = await request(api.url).post('/outcomes').send(body);
        expectHandled({ status: response.status, body: response.body, what: `POST /outcomes ${JSON.stringify(body)}` });
        if (listed && response.status === 200) for (const result of response.body.results) expectHandled({ ...result, body: result.error ?? result.result, what: `POST /outcomes ${JSON.stringify(body)}` });
      }),
      {
        numRuns: RUNS * 2,
        examples: [
          ...REPORTED_DATES.map((observed_at) => ({ input_id: inputIds[0], left: 1 as const, observed_at })),
          ...[2147483648, 2 ** 53 + 2, '1', null].map((input_id) => ({ input_id, left: 1 as const, observed_at: '2026-06-30' })),
        ].flatMap((outcome) => [[outcome, false], [outcome, true]] as [Record<string, unknown>, boolean][]),
      },
    );
  });

  const history = ['from', 'to', 'cursor', 'limit', 'prediction', 'model_version', 'min_probability'];
  it.each([
    ['/predictions', history],
    ['/predictions/export.csv', history],
    ['/model/performance', ['from', 'to', 'model_version']],
    ['/model/drift', ['from', 'to']],
    ['/model/fairness', ['from', 'to', 'model_version']],
  ])('GET %s: any value of %j is a 2xx or a 4xx', async (path, names) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(queryOf(names), oneOddQueryOf(names.filter((n) => DATES_AND_IDS.includes(n)))), async (params) =>
        expectHandled(await get(`${path}${queryString(params)}`)),
      ),
      {
        numRuns: RUNS * 2,
        examples: names
          .filter((n) => DATES_AND_IDS.includes(n))
          .flatMap((name) => (name === 'cursor' ? REPORTED_IDS : REPORTED_DATES).map((text): [Record<string, QueryValue | null>] => [{ [name]: { text, raw: false, twice: false } }])),
      },
    );
  });

  it('GET /predictions/:id and DELETE /inputs/:id: any id text is a 2xx or a 4xx', async () => {
    const idText = fc.record({ text: anyString, raw: fc.boolean(), twice: fc.constant(false) }).map(encodeQueryText);
    await fc.assert(
      fc.asyncProperty(idText, fc.boolean(), async (id, erase) => {
        const response = erase ? await request(api.url).delete(`/inputs/${id}`) : await request(api.url).get(`/predictions/${id}`);
        expectHandled({ status: response.status, body: response.body, what: `${erase ? 'DELETE /inputs' : 'GET /predictions'}/${id}` });
      }),
      { numRuns: RUNS, examples: REPORTED_IDS.flatMap((id) => [[id, false], [id, true]] as [string, boolean][]) },
    );
  });
}

describeWithPostgres('dates and ids from clients, any text (PostgreSQL)', () => requestValuesSuite('postgres'));
describeOn('sqlite')('dates and ids from clients, any text (SQLite)', () => requestValuesSuite('sqlite'));
