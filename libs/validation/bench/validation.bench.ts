/**
 * Microseconds per validation of a /predict body, before (bounded-shape walk + ValidationPipe with
 * class-transformer and class-validator) and after (the same walk + the compiled validator), for one
 * valid body and for the 1,000 items of a batch validated one by one as PredictionService does.
 * Variants alternate within each round; the median round is reported. No jest, no HTTP.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register libs/validation/bench/validation.bench.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NAMES } from '../src/attrition-features.dto';
import { compileValidator } from '../src/compiled-validator';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '../src/examples';
import { FeatureValidationError } from '../src/feature-validation.error';
import { LEGACY_DERIVED_FEATURES } from '../src/feature-vocabulary';
import { PredictRequestDto } from '../src/predict-request.dto';
import { inspectRequestShape } from '../src/request-shape';
import { RequestValidator } from '../src/request-validator';
import { createValidationPipe, validatorOptionsFor } from '../src/validation-pipe.factory';

const KNOWN = new Set([...FEATURE_NAMES, ...LEGACY_DERIVED_FEATURES, 'features', 'explain']);
const pipe = createValidationPipe();
const compiled = new RequestValidator({});
const compiledRules = compileValidator(PredictRequestDto, validatorOptionsFor({}));

const variants: Record<string, (body: unknown) => Promise<unknown>> = {
  'class-validator pipe (before)': async (body) => {
    const problems = inspectRequestShape(body, KNOWN, 'body');
    if (problems.length > 0) throw new FeatureValidationError(problems);
    return pipe.transform(body, { type: 'body', metatype: PredictRequestDto });
  },
  'compiled (after)': (body) => compiled.validate(PredictRequestDto, body),
  // Its two parts, for the breakdown.
  '  of which: shape walk': async (body) => inspectRequestShape(body, KNOWN, 'body'),
  '  of which: compiled rules': async (body) => compiledRules(body),
};

const rows = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'models', 'training', 'data', 'attrition-features.json'), 'utf8')) as object[];
const batch = rows.slice(0, 1000).map((features) => ({ features }));
const single = { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } };

async function time(run: (body: unknown) => Promise<unknown>, bodies: unknown[], repeat: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let r = 0; r < repeat; r++) for (const body of bodies) await run(body);
  return Number(process.hrtime.bigint() - started) / 1000 / repeat; // µs per pass over `bodies`
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const rounds = Number(process.env.ROUNDS ?? 15);
  const results: Record<string, { single: number[]; batch: number[] }> = {};
  for (const name of Object.keys(variants)) {
    results[name] = { single: [], batch: [] };
    await time(variants[name], batch, 3); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(variants)) {
      results[name].single.push(await time(run, [single], 2000));
      results[name].batch.push(await time(run, batch, 1));
    }
  }
  for (const [name, { single: s, batch: b }] of Object.entries(results)) {
    console.log(`${name.padEnd(32)} valid body ${median(s).toFixed(1).padStart(7)} µs   1,000-item batch ${(median(b) / 1000).toFixed(2).padStart(7)} ms (${(median(b) / 1000).toFixed(1)} µs/item)`);
  }
}

void main();
