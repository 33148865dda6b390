import { FeatureProblem } from './feature-validation.error';

/** Bounds on the shape of one request body (or one batch item), checked before any transformation. */
export interface RequestShapeLimits {
  /** Deepest nesting of objects and arrays; a /predict body is 2 levels deep. */
  maxDepth: number;
  /** Most properties in one object; a client sending every raw and legacy feature sends 43. */
  maxKeysPerObject: number;
  /** Most values (objects, arrays, strings, numbers, ...) in the whole body: room for a 1,000-item list. */
  maxValues: number;
}

export const DEFAULT_SHAPE_LIMITS: RequestShapeLimits = { maxDepth: 8, maxKeysPerObject: 200, maxValues: 20_000 };

// C0 and C1 control characters (NUL included) and unpaired UTF-16 surrogates. With the `u` flag a
// well-formed surrogate pair is one code point, so \p{Cs} matches only a lone half.
const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cs}]/u;
const MAX_CHARACTER_PROBLEMS = 10;
// Never feature names, and class-transformer trips over them (it reads `constructor` as a class).
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Node {
  value: unknown;
  depth: number;
  /**
   * Who to name in a problem: the nearest known property within the first two levels ("features",
   * "age"), else the enclosing one, so that no name the client made up is echoed back.
   */
  label: string;
}

/**
 * One iterative pass over a parsed JSON value, linear in its size and free of recursion: rejects
 * bodies nested too deeply, objects with too many properties, too many values in all, and strings
 * or property names with control characters or unpaired surrogates (PostgreSQL cannot store NUL,
 * and the two engines would disagree about the rest). Runs before class-transformer, whose key
 * handling is quadratic and whose recursion overflows the stack on deep values.
 *
 * Returns every character problem (up to ten), or the first structural problem alone (the walk
 * stops there, so the work stays bounded whatever the body).
 */
export function inspectRequestShape(
  root: unknown,
  knownNames: ReadonlySet<string>,
  rootLabel = 'body',
): FeatureProblem[] {
  const limits = DEFAULT_SHAPE_LIMITS;
  const problems: FeatureProblem[] = [];
  const characterProblem = (label: string, what: string) => {
    if (problems.length < MAX_CHARACTER_PROBLEMS && !problems.some((p) => p.feature === label)) {
      problems.push({
        feature: label,
        constraint: 'noControlCharacters',
        message: `${label} must not contain ${what} with control characters or unpaired surrogates`,
      });
    }
  };
  const stack: Node[] = [{ value: root, depth: 0, label: rootLabel }];
  let values = 0;
  while (stack.length > 0) {
    const { value, depth, label } = stack.pop()!;
    if (++values > limits.maxValues) {
      return [{ feature: rootLabel, constraint: 'maxValues', message: `${rootLabel} must not hold more than ${limits.maxValues} values` }];
    }
    if (typeof value === 'string') {
      if (FORBIDDEN_CHARACTERS.test(value)) characterProblem(label, 'text');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxDepth) {
      return [{ feature: label, constraint: 'maxDepth', message: `${label} must not be nested more than ${limits.maxDepth} levels deep` }];
    }
    if (Array.isArray(value)) {
      if (value.length > limits.maxValues) {
        return [{ feature: label, constraint: 'maxValues', message: `${label} must not hold more than ${limits.maxValues} values` }];
      }
      for (const item of value) stack.push({ value: item, depth: depth + 1, label });
      continue;
    }
    let keys = 0;
    for (const key in value) {
      if (++keys > limits.maxKeysPerObject) {
        return [{ feature: label, constraint: 'maxKeys', message: `${label} must not have more than ${limits.maxKeysPerObject} properties` }];
      }
      if (RESERVED_KEYS.has(key)) {
        return [{ feature: label, constraint: 'reservedKey', message: `${label} must not have a property named __proto__, constructor or prototype` }];
      }
      if (FORBIDDEN_CHARACTERS.test(key)) characterProblem(label, 'property names');
      const childLabel = depth < 2 && knownNames.has(key) ? key : label;
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, label: childLabel });
    }
  }
  return problems;
}
