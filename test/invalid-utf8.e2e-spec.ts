import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, FEATURE_NAMES } from '@app/validation';
import { parse } from 'csv-parse/sync';
import { countRows, TestApp, useTestApp } from './support/app';

/** `text` with the marker `<E9>` replaced by the byte 0xE9 (Windows-1252 `é`, not UTF-8), and the marker's byte offset. */
function windows1252(text: string): { body: Buffer; offset: number } {
  const at = text.indexOf('<E9>');
  const body = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xe9]), Buffer.from(text.slice(at + '<E9>'.length))]);
  return { body, offset: Buffer.byteLength(text.slice(0, at)) };
}

/** POST of raw bytes (supertest would JSON-encode a Buffer sent as JSON): status and parsed JSON body. */
async function postBytes(url: string, path: string, body: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const employee = { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, statut_marital: 'Divorc<E9>(e)' };

/**
 * Invalid UTF-8 is refused, never stored as U+FFFD (issue 19, item 10). Body parsing does not
 * depend on the database: the embedded one only.
 */
describe('invalid UTF-8 in a request body', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite');
  beforeAll(() => (api = booted()));

  it.each([
    ['/predict', { features: employee }],
    ['/predict/batch', { items: [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }, { features: employee }] }],
    ['/outcomes', { input_id: 1, left: 1, observed_at: 'Divorc<E9>' }],
  ])('a JSON body to %s is a 400 naming the byte offset, and nothing is stored', async (path, json) => {
    // Arrange
    const { body, offset } = windows1252(JSON.stringify(json));
    // Act
    const response = await postBytes(api.url, path, body);
    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      detail: `The body is not valid UTF-8 (byte offset ${offset}); send it encoded as UTF-8`,
      errors: [{ feature: 'body', constraint: 'utf8', message: expect.stringContaining(`byte offset ${offset}`) }],
    });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
  });

  it('the same body in UTF-8 is stored as sent', async () => {
    const response = await request(api.url).post('/predict').send({ features: { ...employee, statut_marital: 'Divorcé(e)' } }).expect(200);
    const [row] = await api.dataSource.query(`SELECT features FROM model_inputs WHERE id = ${response.body.input_id}`);
    expect(JSON.parse(row.features).statut_marital).toBe('Divorcé(e)');
  });

  it('a CSV row is answered with an error naming the byte offset; the other rows are stored', async () => {
    // Arrange: row 2 of 3 has Divorc<0xE9>(e)
    const line = (f: object) => FEATURE_NAMES.map((n) => (f as Record<string, unknown>)[n]).join(",");
    const text = `${FEATURE_NAMES.join(',')}\n${line(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY)}\n${line(employee)}\n${line(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY)}\n`;
    const { body, offset } = windows1252(text);
    // Act
    const response = await request(api.url).post('/predict/csv').set('content-type', 'text/csv').send(body).expect(200);
    // Assert
    const rows = parse(response.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.error)).toEqual(['', `This row is not valid UTF-8 (byte offset ${offset} of the file); send the file as UTF-8`, '']);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });

  it('a CSV header is a 400 naming the byte offset', async () => {
    const { body, offset } = windows1252(`employ<E9>_no,${FEATURE_NAMES.join(',')}\n`);
    const response = await request(api.url).post('/predict/csv').set('content-type', 'text/csv').send(body).expect(400);
    expect(response.body.detail).toContain(`The header row is not valid UTF-8 (byte offset ${offset})`);
  });
});
