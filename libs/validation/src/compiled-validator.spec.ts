import { isDeepStrictEqual } from 'node:util';
import { Type as TransformType, Transform } from 'class-transformer';
import { IsDefined, IsEmail, IsInt, IsObject, Matches, Min, ValidateIf, ValidateNested, registerDecorator } from 'class-validator';
import * as fc from 'fast-check';
import { loadContract, loadParity, loadTrainingRows } from '../../../test/fixtures/artifacts';
import { propertyRuns } from '../../../test/support/test-settings';
import { FEATURE_NAMES } from './attrition-features.dto';
import { compileValidator, UncompilableRuleError } from './compiled-validator';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from './examples';
import { FeatureMapper } from './feature-mapper';
import { FeatureValidationError } from './feature-validation.error';
import { LEGACY_DERIVED_FEATURES } from './feature-vocabulary';
import { PredictRequestDto } from './predict-request.dto';
import { inspectRequestShape } from './request-shape';
import { RequestValidator } from './request-validator';
import { createValidationPipe, FeatureValidationOptions } from './validation-pipe.factory';

type Body = Record<string, unknown>;
const mapper = new FeatureMapper();
const KNOWN_NAMES = new Set([...FEATURE_NAMES, ...LEGACY_DERIVED_FEATURES, 'features', 'explain']);

/**
 * What the service gets from a validation: the problems of a rejection (feature, constraint,
 * message, in order, and the error's text), or the declared feature values, the order of all
 * feature keys (which names the warnings), `explain`, and the mapper's output.
 */
async function outcomeOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    const request = (await run()) as PredictRequestDto;
    const features = request.features as unknown as Body;
    return {
      keys: Object.keys(features),
      declared: FEATURE_NAMES.map((name) => [name, features[name]]),
      explain: request.explain,
      mapped: mapper.map(request.features),
    };
  } catch (error) {
    if (!(error instanceof FeatureValidationError)) throw error;
    return { problems: error.problems, message: error.message };
  }
}

/** Test-only oracle: the path before compilation (bounded-shape walk, then Nest's ValidationPipe + class-validator). */
function oracle(options: FeatureValidationOptions) {
  const pipe = createValidationPipe(options);
  return async (body: unknown): Promise<unknown> => {
    const problems = inspectRequestShape(body, KNOWN_NAMES, 'body');
    if (problems.length > 0) throw new FeatureValidationError(problems);
    return pipe.transform(body, { type: 'body', metatype: PredictRequestDto });
  };
}

const MODES: [string, FeatureValidationOptions][] = [
  ['lenient', {}],
  ['strict', { strictCategories: true }],
];

async function compare(bodies: unknown[], options: FeatureValidationOptions) {
  const old = oracle(options);
  const compiled = new RequestValidator(options);
  const mismatches: { index: number; old: unknown; compiled: unknown }[] = [];
  const constraints = new Map<string, number>();
  let invalid = 0;
  for (const [index, body] of bodies.entries()) {
    const expected = await outcomeOf(() => old(structuredClone(body)));
    const actual = await outcomeOf(() => compiled.validate(PredictRequestDto, structuredClone(body)));
    if ('problems' in (expected as object)) {
      invalid++;
      for (const { constraint } of (expected as { problems: { constraint: string }[] }).problems) {
        constraints.set(constraint, (constraints.get(constraint) ?? 0) + 1);
      }
    }
    if (!isDeepStrictEqual(actual, expected) && mismatches.length < 5) mismatches.push({ index, old: expected, compiled: actual });
  }
  return { mismatches, invalid, constraints };
}

// ---- generated bodies ---------------------------------------------------------------------------

const contract = loadContract();
const trainingRows = loadTrainingRows();

const boundaryValues = contract.features.flatMap((f) =>
  f.type === 'category'
    ? [...f.categories!, 'Astronaute', '', 'x'.repeat(100), 'x'.repeat(101), f.categories![0].toLowerCase()]
    : [f.limits!.min, f.limits!.max, f.limits!.min - 1, f.limits!.max + 1, f.limits!.min + 0.5, String(f.limits!.min)],
);
const oddValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -0, -1, 1.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER, '', ' ', '35', 'NaN', 'é'.repeat(101), [], {}, [1], { a: 1 }),
  fc.constantFrom<unknown>(...boundaryValues),
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 120 }),
);
const featureName = fc.constantFrom(...FEATURE_NAMES);
const extraKey = fc.oneof(
  fc.constantFrom(...LEGACY_DERIVED_FEATURES),
  // Keys class-transformer drops (inherited functions), keys that sort first, near-misses.
  fc.constantFrom('toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString', '__defineGetter__', '0', '42', 'Age', 'explain', 'features'),
  fc.string({ minLength: 1, maxLength: 12 }),
);

type Mutation = (features: Body) => void;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(featureName, oddValue).map(([name, value]): Mutation => (f) => (f[name] = value)),
  featureName.map((name): Mutation => (f) => delete f[name]),
  // A category label of any length around the 1..100 limits.
  fc
    .tuple(fc.constantFrom(...contract.features.filter((f) => f.type === 'category').map((f) => f.name)), fc.integer({ min: 0, max: 110 }))
    .map(([name, length]): Mutation => (f) => (f[name] = 'é'.repeat(length))),
  fc.tuple(extraKey, oddValue).map(([key, value]): Mutation => (f) => (f[key] = value)),
  // Cross-field rules at and just past their bounds.
  fc.tuple(fc.constantFrom(...contract.cross_field_rules), fc.integer({ min: -1, max: 2 })).map(([rule, delta]): Mutation => (f) => {
    const [, left, right, minus] = /^(\w+) <= (\w+)(?: - (\d+))?$/.exec(rule)!;
    const bound = f[right];
    if (typeof bound === 'number') f[left] = bound - Number(minus ?? 0) + delta;
  }),
);

const featuresArb = fc
  .tuple(fc.integer({ min: 0, max: trainingRows.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }))
  .map(([row, mutations]) => {
    const features: Body = { ...trainingRows[row] };
    for (const mutate of mutations) mutate(features);
    return features;
  });

const bodyArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(featuresArb, fc.option(oddValue, { nil: undefined })).map(([features, explain]) => (explain === undefined ? { features } : { features, explain })) },
  { weight: 2, arbitrary: fc.tuple(featuresArb, fc.constantFrom(true, false, null, 'true', 1, 0, {}, [])).map(([features, explain]) => ({ features, explain, idempotency_key: 'k' })) },
  { weight: 1, arbitrary: fc.tuple(oddValue, fc.option(oddValue, { nil: undefined })).map(([features, explain]) => ({ features, explain })) },
  { weight: 1, arbitrary: oddValue },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, { explain: true }, [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }], { features: {} }, { Features: {} }) },
);

describe('compiled validation answers exactly what the class-validator pipe answers', () => {
  jest.setTimeout(300_000);

  it.each(MODES)('%s: all 1,470 training rows, the 400 parity rows and the Swagger examples', async (_mode, options) => {
    const rows = [...trainingRows, ...loadParity().rows.map((r) => r.features), EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE];
    expect(rows).toHaveLength(1470 + 400 + 2);
    const bodies = rows.flatMap((features) => [{ features }, { features, explain: true }]);
    const { mismatches, invalid } = await compare(bodies, options);
    expect(mismatches).toEqual([]);
    expect(invalid).toBe(0);
  });

  it.each([
    // 30,000 bodies in all, and the share of them that must be invalid (TEST_PROPERTY_RUNS scales both).
    ['lenient', propertyRuns(24_000), propertyRuns(20_000), {}],
    ['strict', propertyRuns(6_000), propertyRuns(5_000), { strictCategories: true }],
  ] as const)('%s: %i generated bodies (fast-check, fixed seed), at least %i of them invalid', async (mode, runs, minimumInvalid, options) => {
    const bodies = fc.sample(bodyArb, { seed: 20261130, numRuns: runs });
    const { mismatches, invalid, constraints } = await compare(bodies, options);
    expect(mismatches).toEqual([]);
    expect(invalid).toBeGreaterThanOrEqual(minimumInvalid);
    // Every rule of the DTO is broken many times over, and few bodies stop at the shape walk.
    const rules = ['isDefined', 'isObject', 'isBoolean', 'isInt', 'isNumber', 'min', 'max', 'isString', 'minLength', 'maxLength', 'atMost'];
    const rare = (mode === 'strict' ? [...rules, 'isIn'] : rules).filter((rule) => (constraints.get(rule) ?? 0) < runs / 500);
    expect(rare).toEqual([]);
    expect(constraints.get('noControlCharacters') ?? 0).toBeLessThan(runs / 10);
  });

  it('hands the service plain objects: no class instance on the hot path', async () => {
    const request = await new RequestValidator({}).validate(PredictRequestDto, { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } });
    expect(Object.getPrototypeOf(request)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(request.features)).toBe(Object.prototype);
  });
});

// ---- start-up refusals ---------------------------------------------------------------------------

const OPTIONS = { stopAtFirstError: true, forbidUnknownValues: true };

class WithEmail {
  @IsEmail()
  email: string;
}

class WithPattern {
  @Matches(/^a+$/)
  name: string;
}

class WithCustom {
  @((target: object, propertyName: string | symbol) =>
    registerDecorator({ name: 'isEven', target: target.constructor, propertyName: String(propertyName), validator: { validate: (v: unknown) => v === 2 } }))
  n: number;
}

class WithValidateIf {
  @ValidateIf((o: { n?: number }) => o.n !== 0)
  @IsInt()
  n: number;
}

class Inner {
  @IsInt()
  n: number;
}

class WithUntypedNested {
  @IsObject()
  @ValidateNested()
  inner: Inner;
}

class WithTransform {
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  n: number;
}

class WithEach {
  @IsInt({ each: true })
  n: number[];
}

class Fine {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @TransformType(() => Inner)
  inner: Inner;
}

describe('compileValidator refuses at start-up what it cannot compile', () => {
  it.each([
    ['an unknown decorator (IsEmail)', WithEmail, /no compiled form for the rule "isEmail"/],
    ['an unknown decorator (Matches)', WithPattern, /no compiled form for the rule "matches"/],
    ['a custom decorator', WithCustom, /no compiled form for the rule "isEven"/],
    ['ValidateIf', WithValidateIf, /validateIf|conditional rule/],
    ['ValidateNested without @Type', WithUntypedNested, /ValidateNested without @Type/],
    ['a class-transformer @Transform', WithTransform, /class-transformer changes the value/],
    ['each: true', WithEach, /"each" is not supported/],
  ])('%s', (_what, dto, error) => {
    expect(() => compileValidator(dto as new () => unknown, OPTIONS)).toThrow(UncompilableRuleError);
    expect(() => compileValidator(dto as new () => unknown, OPTIONS)).toThrow(error);
  });

  it('refuses validator options it does not implement', () => {
    expect(() => compileValidator(Fine, { ...OPTIONS, stopAtFirstError: false })).toThrow(/stopAtFirstError/);
    expect(() => compileValidator(Fine, { ...OPTIONS, whitelist: true })).toThrow(/whitelist/);
  });

  it('compiles a supported nested class, and the app DTO in both modes (the validator starts)', () => {
    expect(compileValidator(Fine, OPTIONS)({ inner: { n: 1 } })).toEqual({ inner: { n: 1 } });
    expect(() => new RequestValidator({})).not.toThrow();
    expect(() => new RequestValidator({ strictCategories: true })).not.toThrow();
  });
});
