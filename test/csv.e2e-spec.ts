import { request as httpRequest, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { parse as parseStream } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { FEATURE_NAMES } from '@app/validation';
import { generateCsv, generatedFeatures, trainingRows } from '../scripts/bench/csv-generate';
import { bootApp, countRows, databaseFor, DatabaseUnderTest, Driver, TestApp, truncate, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn, itIf, TEST_SETTINGS } from './support/test-settings';

type Row = Record<string, string>;

const OUTPUT_COLUMNS = ['row', 'id', 'input_id', 'probability', 'prediction', 'error'];
const training = trainingRows();

function csvOf(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

function employeeCsv(features: Record<string, string | number>[]): string {
  return csvOf(['employee_no', ...FEATURE_NAMES], features.map((f, i) => [`E-${i + 1}`, ...FEATURE_NAMES.map((n) => f[n] ?? '')]));
}

function readCsv(text: string): Row[] {
  return parse(text, { columns: true, bom: true }) as Row[];
}

const postCsv = (api: TestApp, body: string, query = '') =>
  request(api.url).post(`/predict/csv${query}`).set('content-type', 'text/csv').send(body);

/**
 * POST /predict/csv over a raw connection, the body streamed from `body`. Resolves with the response
 * once its headers arrive; the caller reads (or pauses, or destroys) it.
 */
function streamCsv(api: TestApp, body: Readable, headers: Record<string, string> = {}, query = ''): Promise<IncomingMessage> {
  const url = new URL(`/predict/csv${query}`, api.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'text/csv', ...headers } }, resolve);
    req.on('error', reject);
    body.pipe(req);
  });
}

/**
 * POST /predict/csv from the local address `from` (127.0.0.x: another client to the server), the
 * body written from `body` and ended unless `keepOpen`. Resolves once the response headers arrive.
 */
function csvFrom(
  api: TestApp,
  from: string,
  body: string,
  keepOpen = false,
): { response: Promise<IncomingMessage>; end: () => void; abort: () => void } {
  const req = httpRequest(new URL('/predict/csv', api.url), { method: 'POST', localAddress: from, headers: { 'content-type': 'text/csv' } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.write(body);
  if (!keepOpen) req.end();
  response.catch(() => undefined);
  return { response, end: () => req.end(), abort: () => req.destroy() };
}

async function jsonOf(response: IncomingMessage): Promise<{ status: number; retryAfter?: string; body: Record<string, unknown> }> {
  let text = '';
  for await (const piece of response) text += piece;
  return { status: response.statusCode!, retryAfter: response.headers['retry-after'] as string | undefined, body: JSON.parse(text) };
}

async function storedKeys(api: TestApp): Promise<string[]> {
  const rows: { k: string }[] = await api.dataSource.query('SELECT idempotency_key AS k FROM model_inputs');
  return rows.map((r) => r.k);
}

/**
 * Polls the row count until it has not moved for three times the longest gap seen between two
 * commits (at least 3 s): a server still storing chunks, however slowly the machine runs, is never
 * mistaken for one that stopped.
 */
async function settledCount(api: TestApp): Promise<number> {
  let last = -1;
  let changedAt = performance.now();
  let longestGap = 1000;
  for (;;) {
    const { inputs } = await countRows(api.dataSource);
    const now = performance.now();
    if (inputs !== last) {
      if (last > 0) longestGap = Math.max(longestGap, now - changedAt);
      last = inputs;
      changedAt = now;
    } else if (now - changedAt > 3 * longestGap) {
      return last;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function csvSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver, { env: { HTTP_REQUEST_TIMEOUT_MS: '600000' } });
  beforeAll(() => (api = booted()));

  it('answers every row with the probability /predict/batch gives, passing the other columns through', async () => {
    // Arrange: 300 real employees, with the columns in another order than the contract's
    const features = training.slice(0, 300);
    const header = ['poste', ...FEATURE_NAMES.filter((n) => n !== 'poste'), 'employee_no'];
    const body = csvOf(header, features.map((f, i) => [...header.slice(0, -1).map((n) => f[n]), `007-${i}`]));
    // Act
    const response = await postCsv(api, body).expect(200);
    const batch = await request(api.url).post('/predict/batch').send({ items: features.map((f) => ({ features: f })) }).expect(200);
    // Assert
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = readCsv(response.text);
    expect(Object.keys(rows[0])).toEqual([...header, ...OUTPUT_COLUMNS]);
    expect(rows).toHaveLength(300);
    rows.forEach((row, i) => {
      const expected = batch.body.results[i].result;
      expect(row).toMatchObject({ row: String(i + 1), employee_no: `007-${i}`, error: '', prediction: String(expected.prediction) });
      expect(Number(row.probability)).toBe(expected.probability);
    });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 600, outputs: 600 });
    // What is stored is the features, typed as a JSON client sends them, and nothing of the extra column
    const [stored] = await api.dataSource.query(`SELECT features FROM model_inputs WHERE id = ${rows[41].input_id}`);
    const json = typeof stored.features === 'string' ? JSON.parse(stored.features) : stored.features;
    expect(json).toEqual(features[41]);
  });

  it('answers bad rows in the error column with the text the JSON API gives, and stores the others', async () => {
    // Arrange
    const bad: Record<string, string | number>[] = [
      { ...training[0], age: 200 },
      { ...training[1], age: 'old' },
      { ...training[2], age: '' },
      { ...training[3], annees_dans_l_entreprise: 99 },
      { ...training[4], niveau_education: 2.5 },
    ];
    const features = [training[10], ...bad, training[11]];
    const body = employeeCsv(features).replace(/\n$/, '\nE-short,1,2,3\n');
    // Act
    const rows = readCsv((await postCsv(api, body).expect(200)).text);
    const json = await request(api.url)
      .post('/predict/batch')
      .send({ items: bad.map((f) => ({ features: Object.fromEntries(Object.entries(f).filter(([, v]) => v !== '')) })) })
      .expect(200);
    // Assert
    expect(rows.map((r) => r.row)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(rows[0].error).toBe('');
    expect(rows[6].error).toBe('');
    for (let i = 0; i < bad.length; i++) {
      expect(rows[i + 1]).toMatchObject({ id: '', probability: '', error: json.body.results[i].error.detail });
    }
    expect(rows[3].error).toBe('Invalid request: age is required and must not be null');
    expect(rows[7]).toMatchObject({ employee_no: 'E-short', id: '', error: expect.stringContaining('has 4 fields') });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });

  it('answers a row with a control character in a feature cell in its error column, like the JSON API', async () => {
    // Arrange: a NUL and an escape inside a category, the rows around it clean
    const hostile = { ...training[1], genre: 'Fe\u0000male', departement: '\u001b[31mVentes' };
    const body = employeeCsv([training[0], hostile, training[2]]);
    // Act
    const response = await postCsv(api, body).expect(200);
    const rows = readCsv(response.text);
    const json = await request(api.url).post('/predict/batch').send({ items: [{ features: hostile }] }).expect(200);
    // Assert
    expect(rows.map((r) => r.error === '')).toEqual([true, false, true]);
    expect(rows[1]).toMatchObject({ id: '', probability: '', error: json.body.results[0].error.detail });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });

  it.each([
    ['an empty body', '', 'file is empty'],
    ['a header without any feature column', 'name,salary\nBob,3\n', 'must be a header naming the 27 feature columns'],
    ['JSON sent as CSV', JSON.stringify({ features: training[0] }), 'The header row cannot be read: a quote inside an unquoted field'],
    ['binary data', Buffer.from([0, 159, 146, 150, 255, 10, 1, 2]).toString('latin1'), 'must be a header'],
    ['a missing feature column', employeeCsv([training[0]]).replace(',genre,', ',gender,'), 'The header has no genre column'],
    ['a duplicate column', employeeCsv([training[0]]).replace('employee_no,', 'age,'), 'Columns 1, 2 have the same name'],
    ['a column the output adds', employeeCsv([training[0]]).replace('employee_no,', 'id,'), 'Column 1 is named id'],
    ['2,000 columns', `${FEATURE_NAMES.join(',')},${Array.from({ length: 1973 }, (_, i) => `x${i}`).join(',')}\n`, 'at most 1000'],
    ['a 100 KB header', `${FEATURE_NAMES.join(',')},"${'x'.repeat(100_000)}"\n`, 'longer than 65536 bytes'],
    ['an unclosed quote in the header', `"age,${FEATURE_NAMES.join(',')}`, 'quoted field is not closed'],
  ])('a file with %s is a 400 before any row is stored', async (_, body, message) => {
    const response = await postCsv(api, body as string).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.detail).toContain(message);
    expect(response.body.errors.length).toBeGreaterThan(0);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
  });

  it('refuses a body not declared as CSV, or compressed, with 415 and a bad start_row or key with 400', async () => {
    const body = employeeCsv([training[0]]);
    const json = await request(api.url).post('/predict/csv').set('content-type', 'application/json').send('{}').expect(415);
    expect(json.body.detail).toContain('text/csv');
    await request(api.url).post('/predict/csv').set('content-type', 'text/plain').send(body).expect(415);
    await postCsv(api, body).set('content-encoding', 'gzip').expect(415);
    const start = await postCsv(api, body, '?start_row=0').expect(400);
    expect(start.body.errors[0].feature).toBe('start_row');
    const key = await postCsv(api, body).set('Idempotency-Key', 'k'.repeat(129)).expect(400);
    expect(key.body.errors[0].feature).toBe('Idempotency-Key');
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
  });

  it('a hostile row (one 100 KB line, or 200,000 empty fields) stops the file there: rows before are answered and stored', async () => {
    for (const hostile of [`E-x,"${'y'.repeat(100_000)}"`, `E-x${','.repeat(200_000)}`]) {
      // Arrange: 1,470 rows, the hostile one, 10 more
      const lines = employeeCsv(training).trimEnd().split('\n');
      const body = [...lines, hostile, ...employeeCsv(training.slice(0, 10)).trimEnd().split('\n').slice(1)].join('\n') + '\n';
      // Act
      const rows = readCsv((await postCsv(api, body).expect(200)).text);
      // Assert: the last line names where reading stopped; nothing after it is stored
      expect(rows).toHaveLength(1471);
      expect(rows.slice(0, 1470).every((r) => r.error === '' && r.id !== '')).toBe(true);
      expect(rows[1470]).toMatchObject({ row: '1471', id: '', error: expect.stringMatching(/^Reading stopped at row 1471: a record is longer than 65536 bytes/) });
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1470, outputs: 1470 });
      await truncate(api.dataSource);
    }
  });

  it('a CSV syntax error in data row N: rows 1..N-1 are answered and stored, and reading stops at row N, on its line', async () => {
    // Arrange: 6 rows, a stray quote in row 4's employee number (line 5), sent in one piece
    const lines = employeeCsv(training.slice(0, 6)).trimEnd().split('\n');
    lines[4] = lines[4].replace('E-4', 'E"4');
    // Act
    const rows = readCsv((await postCsv(api, lines.join('\n') + '\n').expect(200)).text);
    // Assert
    expect(rows.map((r) => [r.row, r.employee_no, r.id !== ''])).toEqual([
      ['1', 'E-1', true],
      ['2', 'E-2', true],
      ['3', 'E-3', true],
      ['4', '', false],
    ]);
    expect(rows[3].error).toBe('Reading stopped at row 4: a quote inside an unquoted field (line 5); this row and the rest of the file were not scored');
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 3, outputs: 3 });
  });

  it('a stray quote in data row 1 is no header problem: a 200 that says reading stopped at row 1', async () => {
    const lines = employeeCsv(training.slice(0, 2)).trimEnd().split('\n');
    lines[1] = lines[1].replace('E-1', 'E"1');
    const rows = readCsv((await postCsv(api, lines.join('\n') + '\n').expect(200)).text);
    expect(rows).toEqual([expect.objectContaining({ row: '1', id: '', error: expect.stringMatching(/^Reading stopped at row 1: a quote inside an unquoted field \(line 2\)/) })]);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
  });

  it('writes formulas in the answer as text: pass-through and category cells starting with = + - @ get a leading quote, negative numbers stay numbers', async () => {
    // Arrange: formulas in the employee number and in poste (an unknown category: scored, with a warning)
    const formulas = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", '@SUM(A1:A2)', '-2+3'];
    const body = csvOf(
      ['employee_no', ...FEATURE_NAMES],
      formulas.map((formula, i) => [formula, ...FEATURE_NAMES.map((n) => (n === 'poste' ? formula : training[i][n]))]),
    ).replace(/\n$/, `\n-42,${FEATURE_NAMES.map((n) => training[9][n]).join(',')}\n`);
    // Act
    const text = (await postCsv(api, body).expect(200)).text;
    // Assert: read back, every formula is text; in the raw answer no cell starts with one
    const rows = readCsv(text);
    expect(rows.map((r) => r.employee_no)).toEqual([...formulas.map((f) => `'${f}`), '-42']);
    expect(rows.slice(0, 4).map((r) => r.poste)).toEqual(formulas.map((f) => `'${f}`));
    for (const line of text.split('\n')) expect(line.split(',').some((cell) => /^"?[=+@]|^"?-[^\d]|^"?-2\+3/.test(cell))).toBe(false);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 5, outputs: 5 });
  });

  it('start_row skips the rows before it', async () => {
    const body = employeeCsv(training.slice(0, 20));
    const rows = readCsv((await postCsv(api, body, '?start_row=16').expect(200)).text);
    expect(rows.map((r) => r.employee_no)).toEqual(['E-16', 'E-17', 'E-18', 'E-19', 'E-20']);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 5, outputs: 5 });
  });

  itIf(TEST_SETTINGS.volume, 'TEST_VOLUME=off')(`stops reading while the client does not read the answer, then streams ${TEST_SETTINGS.csvRows} rows with every one stored`, async () => {
    // Arrange: 30,000 rows (TEST_CSV_ROWS) of about 1.7 KB (a pass-through note column), one
    // invalid in 100: about 50 MB of answer, far more than the socket buffers hold
    const total = TEST_SETTINGS.csvRows;
    const response = await streamCsv(api, generateCsv(total, { invalidEvery: 100, padding: 1500 }));
    try {
      response.pause();
      // Act 1: the client reads nothing; the server must stop once the buffers are full
      const plateau = await settledCount(api);
      // Assert 1: a small part of the file, in whole chunks (990 valid rows each)
      expect(plateau).toBeLessThan(total / 2);
      expect(plateau % 990).toBe(0);
      // Act 2: read everything, row by row
      let rows = 0;
      let errors = 0;
      let last = '';
      for await (const row of response.pipe(parseStream({ columns: true })) as AsyncIterable<Row>) {
        rows++;
        if (row.error !== '') errors++;
        last = row.row;
      }
      // Assert 2
      expect({ rows, errors, last }).toEqual({ rows: total, errors: total / 100, last: String(total) });
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: total * 0.99, outputs: total * 0.99 });
    } finally {
      response.destroy();
    }
  }, 1_500_000);

  it('after a disconnect, exactly the committed chunks are stored, and a resend with the same key from the first row not received stores each row once', async () => {
    // Arrange: rows of about 700 bytes, so that the socket buffers hold a small part of the answer
    const total = 8_000;
    const file = () => generateCsv(total, { padding: 500 });
    const key = `resume-${driver}-file`;
    const response = await streamCsv(api, file(), { 'Idempotency-Key': key });
    // Act 1: read until the first chunk arrived, then cut the connection
    let text = '';
    let lines = 0;
    response.setEncoding('utf8');
    // The cut is ours: the 'aborted' error it raises on this response is expected.
    response.on('error', () => undefined);
    for await (const piece of response as AsyncIterable<string>) {
      text += piece;
      lines += piece.split('\n').length - 1;
      if (lines > 1000) break; // leaving the loop destroys the response: the connection closes
    }
    const received = readCsv(text.slice(0, text.lastIndexOf('\n') + 1));
    const stored = await settledCount(api);
    // Assert 1: whole chunks only, rows 1..n in order, every row received among them
    expect(stored % 1000).toBe(0);
    expect(stored).toBeGreaterThanOrEqual(received.length);
    expect(stored).toBeLessThan(total);
    const keys = new Set(await storedKeys(api));
    expect(keys).toEqual(new Set(Array.from({ length: stored }, (_, i) => `${key}#row:${i + 1}`)));
    const inputIdBefore = new Map(
      ((await api.dataSource.query('SELECT idempotency_key AS k, id FROM model_inputs')) as { k: string; id: number }[]).map((r) => [r.k, Number(r.id)]),
    );
    // Act 2: resume after the last row received, with the same key
    const lastReceived = Number(received[received.length - 1].row);
    const resumed = readCsv(
      (await postCsv(api, await textOf(file()), `?start_row=${lastReceived + 1}`).set('Idempotency-Key', key).expect(200)).text,
    );
    // Assert 2: every row stored once; rows stored before the cut keep their ids
    expect(resumed[0].row).toBe(String(lastReceived + 1));
    expect(resumed[resumed.length - 1].row).toBe(String(total));
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: total, outputs: total });
    expect(new Set(await storedKeys(api))).toEqual(new Set(Array.from({ length: total }, (_, i) => `${key}#row:${i + 1}`)));
    const ids = [...received.map((r) => r.id), ...resumed.map((r) => r.id)];
    expect(new Set(ids).size).toBe(total);
    // Rows stored before the cut but never received (the socket buffers, the chunk in flight) are
    // answered on resume with the input stored then: replayed, not stored again
    const replayed = resumed.filter((r) => inputIdBefore.has(`${key}#row:${r.row}`));
    expect(replayed).toHaveLength(stored - lastReceived);
    for (const r of replayed) expect(Number(r.input_id)).toBe(inputIdBefore.get(`${key}#row:${r.row}`));
    // The features stored for a resumed row are that row's
    const sample = resumed[resumed.length - 1];
    const [row] = await api.dataSource.query(`SELECT features FROM model_inputs WHERE id = ${sample.input_id}`);
    const features = typeof row.features === 'string' ? JSON.parse(row.features) : row.features;
    expect(features).toEqual(generatedFeatures(training, total));
    expect(resumed[resumed.length - 1].note).toHaveLength(500);
  }, 300_000);
}

async function textOf(stream: Readable): Promise<string> {
  let text = '';
  for await (const piece of stream) text += piece;
  return text;
}

describeWithPostgres('POST /predict/csv on PostgreSQL', () => csvSuite('postgres'));
describeOn('sqlite')('POST /predict/csv on the embedded SQLite database', () => csvSuite('sqlite'));

describe('POST /predict/csv: keys and rate limits', () => {
  let database: DatabaseUnderTest;
  let api: TestApp;
  const key = 'csv-test-predict-key-0001';
  beforeAll(async () => {
    database = await databaseFor('sqlite');
    api = await bootApp({ ...database.env, PREDICT_API_KEYS: key, RATE_LIMIT_BATCH: '2' });
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('needs a prediction key like /predict/batch, and counts against the batch rate limit', async () => {
    const body = employeeCsv([training[0]]);
    await postCsv(api, body).expect(401);
    await postCsv(api, body).set('X-API-Key', key).expect(200);
    await request(api.url).post('/predict/batch').set('X-API-Key', key).send({ items: [{ features: training[0] }] }).expect(200);
    const limited = await postCsv(api, body).set('X-API-Key', key).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });
});

describe('POST /predict/csv: files scored at once, per client and in all', () => {
  let database: DatabaseUnderTest;
  let api: TestApp;
  beforeAll(async () => {
    database = await databaseFor('sqlite');
    api = await bootApp({ ...database.env, CSV_MAX_JOBS: '2', CSV_MAX_JOBS_PER_CLIENT: '1' });
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('a second file from one client is a 429, a file over the overall cap a 503, both with Retry-After naming the limit; slots free when files end', async () => {
    // Arrange: two files in progress (their uploads held open) from 127.0.0.1 and 127.0.0.2
    const header = `employee_no,${FEATURE_NAMES.join(',')}\n`;
    const first = csvFrom(api, '127.0.0.1', header, true);
    const second = csvFrom(api, '127.0.0.2', header, true);
    try {
      // The server takes a slot when the request arrives; the header row alone answers nothing yet.
      await new Promise((r) => setTimeout(r, 300));
      const file = employeeCsv([training[0]]);
      // Act
      const sameClient = await jsonOf(await csvFrom(api, '127.0.0.1', file).response);
      const thirdClient = await jsonOf(await csvFrom(api, '127.0.0.3', file).response);
      // Assert
      expect(sameClient).toMatchObject({ status: 429, retryAfter: '10', body: { statusCode: 429, detail: expect.stringContaining('at most 1 (CSV_MAX_JOBS_PER_CLIENT)') } });
      expect(thirdClient).toMatchObject({ status: 503, retryAfter: '10', body: { statusCode: 503, detail: expect.stringContaining('CSV_MAX_JOBS = 2') } });
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
      // Act 2: the first file ends (answered), the second's client goes away; both slots come back
      first.end();
      const answered = await first.response;
      for await (const _ of answered) void _;
      second.abort();
      await new Promise((r) => setTimeout(r, 300));
      // Assert 2
      for (const from of ['127.0.0.1', '127.0.0.3']) {
        const response = await csvFrom(api, from, file).response;
        expect(response.statusCode).toBe(200);
        response.resume();
      }
    } finally {
      // Whatever happened, no upload is left open to hold the app's shutdown.
      first.abort();
      second.abort();
    }
  });
});
