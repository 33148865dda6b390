import type { FeatureSpec } from '@app/inference';
import { FeatureProblem, FeatureValidationError } from '@app/validation';

/** Columns the output adds after the input's own, in this order. */
export const CSV_OUTPUT_COLUMNS = ['row', 'id', 'input_id', 'probability', 'prediction', 'error'] as const;

/** A number as JSON writes it: what a numeric cell must look like to be read as a number. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

type Cell = string | number;

/** One data row turned into a /predict body, or the reason it cannot be. */
export type CsvRowItem = { features: Record<string, Cell> } | { problem: string };

/**
 * Where each feature sits in the file, from the header row, and how a cell becomes the value a
 * JSON client would send: numeric features are read as numbers when the cell is a JSON number
 * (anything else stays a string, so validation answers "must be an integer" as it does for JSON),
 * an empty cell is a missing value, a category is the cell as it is. Other columns are passed
 * through to the output and never sent to validation, the model or the database.
 */
export class CsvLayout {
  private constructor(
    readonly header: readonly string[],
    private readonly features: readonly { name: string; index: number; numeric: boolean }[],
  ) {}

  /**
   * Checks the header row; a FeatureValidationError (a 400 before any row is read) names every
   * problem. Column names of the client's own are never quoted back: they are identified by position.
   */
  static fromHeader(header: string[], contract: readonly FeatureSpec[], maxColumns: number): CsvLayout {
    if (header.length > maxColumns) {
      throw headerError([
        { feature: 'header', constraint: 'maxColumns', message: `The header has ${header.length} columns; at most ${maxColumns} are accepted` },
      ]);
    }
    const positions = new Map<string, number[]>();
    header.forEach((name, index) => positions.set(name, [...(positions.get(name) ?? []), index + 1]));
    const missing = contract.filter((f) => !positions.has(f.name));
    if (missing.length === contract.length) {
      throw headerError([
        {
          feature: 'header',
          constraint: 'headerRow',
          message: `The first row must be a header naming the ${contract.length} feature columns (${contract
            .slice(0, 3)
            .map((f) => f.name)
            .join(', ')}, ...); none was found`,
        },
      ]);
    }
    const problems: FeatureProblem[] = missing.map((f) => ({
      feature: f.name,
      constraint: 'requiredColumn',
      message: `The header has no ${f.name} column`,
    }));
    for (const [name, at] of positions) {
      if (at.length > 1) {
        problems.push({ feature: 'header', constraint: 'uniqueColumns', message: `Columns ${at.join(', ')} have the same name` });
      }
      if ((CSV_OUTPUT_COLUMNS as readonly string[]).includes(name)) {
        problems.push({
          feature: 'header',
          constraint: 'reservedColumn',
          message: `Column ${at[0]} is named ${name}, which the output adds; rename it`,
        });
      }
    }
    if (problems.length > 0) throw headerError(problems);
    const features = contract.map((f) => ({ name: f.name, index: positions.get(f.name)![0] - 1, numeric: f.type !== 'category' }));
    return new CsvLayout(header, features);
  }

  /** The /predict `features` of one data row, or why the row cannot be read. */
  toItem(record: string[]): CsvRowItem {
    if (record.length !== this.header.length) {
      return { problem: `This row has ${record.length} fields; the header has ${this.header.length}` };
    }
    const features: Record<string, Cell> = {};
    for (const { name, index, numeric } of this.features) {
      const cell = record[index];
      if (cell === '') continue;
      features[name] = numeric && JSON_NUMBER.test(cell) ? Number(cell) : cell;
    }
    return { features };
  }
}

/**
 * An input cell as it goes to the output: a number when it reads back exactly as written, so
 * formula escaping leaves negative numbers alone, and the text as it is otherwise ("007" stays "007").
 */
export function outputCell(cell: string): Cell {
  if (!JSON_NUMBER.test(cell)) return cell;
  const number = Number(cell);
  return String(number) === cell ? number : cell;
}

function headerError(problems: FeatureProblem[]): FeatureValidationError {
  return new FeatureValidationError(problems);
}
