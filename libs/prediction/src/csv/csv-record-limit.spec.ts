import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CsvRecordLimit } from './csv-record-limit';
import { CsvLayout, outputCell } from './csv-layout';
import type { FeatureSpec } from '@app/inference';

/** Parses `text` fed in pieces of `piece` bytes through a CsvRecordLimit of `max` bytes. */
async function read(text: string, max: number, piece = 3): Promise<{ records: string[][]; exceeded?: string }> {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) pieces.push(bytes.subarray(i, i + piece));
  const limit = new CsvRecordLimit(max);
  const records: string[][] = [];
  for await (const record of Readable.from(pieces).pipe(limit).pipe(parse({ relax_column_count: true }))) records.push(record);
  return { records, exceeded: limit.exceeded?.message };
}

describe('CsvRecordLimit', () => {
  it('passes whole records through, quoted line breaks and CRLF included, whatever the piece size', async () => {
    for (const piece of [1, 2, 5, 1000]) {
      await expect(read('a,b\r\n"x\ny",2\r\n"say ""hi""",3', 20, piece)).resolves.toEqual({
        records: [['a', 'b'], ['x\ny', '2'], ['say "hi"', '3']],
        exceeded: undefined,
      });
    }
  });

  it('ends cleanly before a record over the limit, delimiters counted (a row of empty fields)', async () => {
    // Arrange: the third record is 30 commas: 31 empty fields in 30 bytes
    const text = `a,b\n1,2\n${','.repeat(30)}\n3,4\n`;
    // Act + Assert: the records before it, none after, and the reason
    await expect(read(text, 20)).resolves.toEqual({ records: [['a', 'b'], ['1', '2']], exceeded: 'a record is longer than 20 bytes (at line 3)' });
  });

  it('counts a quoted field over several lines as one record', async () => {
    const { records, exceeded } = await read(`a\n"${'x\n'.repeat(15)}"\nb\n`, 20);
    expect(records).toEqual([['a']]);
    expect(exceeded).toMatch(/longer than 20 bytes/);
  });
});

describe('CsvLayout', () => {
  const contract = [
    { name: 'age', type: 'integer' },
    { name: 'revenu_mensuel', type: 'number' },
    { name: 'poste', type: 'category' },
  ] as FeatureSpec[];

  it('reads numeric cells written as JSON numbers as numbers, other text as text, empty cells as missing', () => {
    const layout = CsvLayout.fromHeader(['poste', 'employee_no', 'revenu_mensuel', 'age'], contract, 10);
    expect(layout.toItem(['42', 'E-1', '3161.5', '44'])).toEqual({ features: { age: 44, revenu_mensuel: 3161.5, poste: '42' } });
    expect(layout.toItem(['Manager', 'E-2', '1e3', ' 44'])).toEqual({ features: { age: ' 44', revenu_mensuel: 1000, poste: 'Manager' } });
    expect(layout.toItem(['Manager', 'E-3', '', '007'])).toEqual({ features: { age: '007', poste: 'Manager' } });
    expect(layout.toItem(['Manager'])).toEqual({ problem: 'This row has 1 fields; the header has 4' });
  });

  it('names every header problem without quoting the client\'s own column names', () => {
    const attempt = () => CsvLayout.fromHeader(['age', 'secret-name', 'secret-name', 'probability'], contract, 10);
    expect(attempt).toThrow('The header has no revenu_mensuel column; The header has no poste column; Columns 2, 3 have the same name; Column 4 is named probability');
    expect(attempt).not.toThrow(/secret/);
    expect(() => CsvLayout.fromHeader(Array.from({ length: 11 }, (_, i) => `c${i}`), contract, 10)).toThrow('at most 10');
  });

  it('writes back a cell as a number only when it reads back exactly as written', () => {
    expect([outputCell('-5'), outputCell('0.25'), outputCell('007'), outputCell('1e3'), outputCell('=1+1')]).toEqual([-5, 0.25, '007', '1e3', '=1+1']);
  });
});
