import { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  isBoolean,
  isDefined,
  isIn,
  isInt,
  isNumber,
  isObject,
  isString,
  max,
  maxLength,
  MetadataStorage,
  min,
  minLength,
  ValidationArguments,
  ValidationTypes,
  ValidatorOptions,
} from 'class-validator';
import { atMostHolds } from './at-most.validator';
import { FeatureProblem, FeatureValidationError } from './feature-validation.error';

type Metadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type Source = Record<string, unknown>;
type Test = (value: unknown, object: Source) => boolean;

/** Validates a parsed JSON value: the value the service receives, or a FeatureValidationError. */
export type CompiledValidator<T> = (value: unknown) => T;

/** A rule of the DTO that `compileValidator` cannot turn into code: start-up fails, nothing falls back. */
export class UncompilableRuleError extends Error {}

/**
 * The class-validator rules this compiler knows, by constraint name: each becomes a plain predicate
 * over the constraints declared on the DTO. They call class-validator's own exported checks, so
 * both paths agree on every value by construction; a name missing here is refused at start-up.
 */
const PREDICATES: Record<string, (constraints: unknown[]) => Test> = {
  // Each check is read from the module once, here, not through its export getter on every call.
  isDefined: () => bind1(isDefined),
  isObject: () => bind1(isObject),
  isBoolean: () => bind1(isBoolean),
  isInt: () => bind1(isInt),
  isString: () => bind1(isString),
  isNumber: ([options]) => bind2(isNumber, options as Parameters<typeof isNumber>[1]),
  min: ([bound]) => bind2(min, bound as number),
  max: ([bound]) => bind2(max, bound as number),
  minLength: ([length]) => bind2(minLength, length as number),
  maxLength: ([length]) => bind2(maxLength, length as number),
  isIn: ([values]) => bind2(isIn, values as readonly unknown[]),
  atMost: ([other, minus]) => (value, object) => atMostHolds(value, object[other as string], minus as number),
};

function bind1(check: (value: unknown) => boolean): Test {
  return (value) => check(value);
}

function bind2<C>(check: (value: unknown, constraint: C) => boolean, constraint: C): Test {
  return (value) => check(value, constraint);
}

interface Rule {
  property: string;
  constraint: string;
  test: Test;
  metadata: Metadata;
  defaultMessage?: (args: ValidationArguments) => string;
}

interface PropertyPlan {
  name: string;
  /** IsOptional: no rule runs while the value is null or undefined. */
  optional: boolean;
  /** IsDefined first, then the other rules in declaration order; the first failing one is reported. */
  rules: Rule[];
  /** ValidateNested + @Type: the nested class's plan, run when every rule of the property passed. */
  nested?: ClassPlan;
}

interface ClassPlan {
  name: string;
  properties: PropertyPlan[];
  /** Keys class-transformer never copies onto an instance (they would shadow an inherited function). */
  dropped: ReadonlySet<string>;
}

/**
 * Compiles the class-validator metadata of `metatype` (and of the classes it nests with
 * ValidateNested + @Type) into one function that answers exactly what Nest's ValidationPipe answers
 * with the same validator options and `transform: true` without implicit conversion: the same
 * problems, constraint names, messages and order (as `flatten` reports them), and on success the
 * same own keys and values, as plain objects instead of class instances.
 *
 * Supported: IsDefined, IsOptional, ValidateNested (on a property that also has IsObject) and the
 * constraints in PREDICATES, with `stopAtFirstError`. Anything else (another decorator, `each`,
 * ValidateIf, async rules, a class-transformer @Transform/@Expose/@Exclude) throws
 * UncompilableRuleError, so that the app refuses to start rather than validate differently.
 */
export function compileValidator<T>(metatype: Type<T>, options: ValidatorOptions): CompiledValidator<T> {
  assertSupportedOptions(options);
  const plan = compileClass(metatype, undefined, options, new Set());
  return (value: unknown): T => {
    const isRecord = typeof value === 'object' && value !== null;
    // ValidationPipe validates null and undefined as {}, and a primitive as an instance without properties.
    const source = (isRecord ? value : EMPTY) as Source;
    const problems: FeatureProblem[] = [];
    validateClass(plan, source, problems);
    if (problems.length > 0) throw new FeatureValidationError(problems);
    if (!isRecord || Array.isArray(value)) {
      // Only a DTO without required properties gets here; never on the hot path.
      return (['number', 'boolean', 'string'].includes(typeof value) ? value : plainToInstance(metatype, value ?? {})) as T;
    }
    return rebuild(plan, source) as T;
  };
}

const EMPTY: Source = Object.freeze({}) as Source;

function validateClass(plan: ClassPlan, source: Source, problems: FeatureProblem[]): void {
  for (const property of plan.properties) {
    const value = source[property.name];
    if (property.optional && (value === null || value === undefined)) continue;
    let failed: Rule | undefined;
    for (const rule of property.rules) {
      if (!rule.test(value, source)) {
        failed = rule;
        break;
      }
    }
    if (failed) problems.push(problemOf(failed, value, source, plan.name));
    else if (property.nested) validateClass(property.nested, value as Source, problems);
  }
}

/** The transformed value: the same object unless class-transformer would have dropped a key or rebuilt a nested one. */
function rebuild(plan: ClassPlan, source: Source): Source {
  let copy: Source | undefined;
  for (const key in source) {
    if (plan.dropped.has(key)) {
      copy ??= { ...source };
      delete copy[key];
    }
  }
  for (const property of plan.properties) {
    if (!property.nested) continue;
    const nested = source[property.name] as Source;
    const rebuilt = rebuild(property.nested, nested);
    if (rebuilt !== nested) (copy ??= { ...source })[property.name] = rebuilt;
  }
  return copy ?? source;
}

function problemOf(rule: Rule, value: unknown, object: Source, targetName: string): FeatureProblem {
  const args: ValidationArguments = { targetName, property: rule.property, object, value, constraints: rule.metadata.constraints };
  let message: string | ((args: ValidationArguments) => string) = rule.metadata.message || '';
  if (!rule.metadata.message && rule.defaultMessage) message = rule.defaultMessage(args);
  return { feature: rule.property, constraint: rule.constraint, message: replaceTokens(message, args) };
}

/** class-validator's message tokens ($constraintN, $value, $property, $target), replaced as it does. */
function replaceTokens(message: string | ((args: ValidationArguments) => string), args: ValidationArguments): string {
  let text = typeof message === 'function' ? message(args) : message;
  if (text && Array.isArray(args.constraints)) {
    args.constraints.forEach((constraint, index) => {
      text = text.replace(new RegExp(`\\$constraint${index + 1}`, 'g'), constraintToString(constraint));
    });
  }
  const value = args.value;
  if (text && value !== undefined && value !== null && ['string', 'boolean', 'number'].includes(typeof value)) {
    text = text.replace(/\$value/g, value as string);
  }
  if (text) text = text.replace(/\$property/g, args.property);
  if (text) text = text.replace(/\$target/g, args.targetName);
  return text;
}

function constraintToString(constraint: unknown): string {
  if (Array.isArray(constraint)) return constraint.join(', ');
  if (typeof constraint === 'symbol') return `${constraint.description}`;
  return `${constraint as string}`;
}

function assertSupportedOptions(options: ValidatorOptions): void {
  const unsupported = (
    ['whitelist', 'forbidNonWhitelisted', 'skipMissingProperties', 'skipNullProperties', 'skipUndefinedProperties', 'dismissDefaultMessages'] as const
  ).filter((name) => options[name]);
  if (!options.stopAtFirstError) unsupported.push('stopAtFirstError: false' as never);
  if (options.forbidUnknownValues === false) unsupported.push('forbidUnknownValues: false' as never);
  if (unsupported.length > 0) throw new UncompilableRuleError(`Validator options not supported by the compiled validator: ${unsupported.join(', ')}`);
}

function compileClass(metatype: Type<unknown>, schema: string | undefined, options: ValidatorOptions, seen: Set<Type<unknown>>): ClassPlan {
  const where = metatype.name;
  if (seen.has(metatype)) throw new UncompilableRuleError(`${where}: recursive nesting is not supported`);
  seen.add(metatype);
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(metatype, schema as string, options.always ?? false, options.strictGroups ?? false, options.groups);
  if (metadatas.length === 0) throw new UncompilableRuleError(`${where} declares no validation rules`);
  const grouped = storage.groupByPropertyName(metadatas);
  const nestedTypes = probeTransformation(metatype, grouped);
  const properties = Object.keys(grouped).map((name): PropertyPlan => {
    const at = `${where}.${name}`;
    if (name in Object.prototype || name in metatype.prototype) throw new UncompilableRuleError(`${at}: the name shadows an inherited property`);
    const all = grouped[name];
    const defined: Rule[] = [];
    const rules: Rule[] = [];
    let optional = false;
    let nested: ClassPlan | undefined;
    for (const metadata of all) {
      if (metadata.each) throw new UncompilableRuleError(`${at}: "each" is not supported`);
      if (metadata.validateIf) throw new UncompilableRuleError(`${at}: validateIf is not supported`);
      switch (metadata.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          if (metadata.name !== 'isOptional') throw new UncompilableRuleError(`${at}: conditional rule ${metadata.name ?? '(unnamed)'} is not supported`);
          optional = true;
          break;
        case ValidationTypes.NESTED_VALIDATION:
          if (!all.some((m) => m.name === 'isObject')) throw new UncompilableRuleError(`${at}: ValidateNested needs IsObject on the same property`);
          nested = compileClass(nestedTypes.get(name)!, metatype.name, options, seen);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION:
          (metadata.type === ValidationTypes.IS_DEFINED ? defined : rules).push(compileRule(metadata, at));
          break;
        default:
          throw new UncompilableRuleError(`${at}: rule type ${metadata.type} is not supported`);
      }
    }
    return { name, optional, rules: [...defined, ...rules], nested };
  });
  seen.delete(metatype);
  return { name: metatype.name, properties, dropped: droppedKeys(metatype) };
}

function compileRule(metadata: Metadata, at: string): Rule {
  const constraints = getMetadataStorage().getTargetValidatorConstraints(metadata.constraintCls);
  if (constraints.length !== 1) throw new UncompilableRuleError(`${at}: ${constraints.length} validators for one rule`);
  const [constraint] = constraints;
  const name = constraint.name || metadata.type;
  const predicate = PREDICATES[name];
  if (!predicate) throw new UncompilableRuleError(`${at}: no compiled form for the rule "${name}"`);
  if (constraint.async) throw new UncompilableRuleError(`${at}: async rule "${name}" is not supported`);
  const instance = constraint.instance as { defaultMessage?: (args: ValidationArguments) => string };
  return {
    property: metadata.propertyName,
    constraint: name,
    test: predicate(metadata.constraints ?? []),
    metadata,
    defaultMessage: instance.defaultMessage instanceof Function ? instance.defaultMessage.bind(instance) : undefined,
  };
}

/**
 * Checks with class-transformer itself that it copies each validated property unchanged (no
 * @Transform, @Expose or @Exclude), keeps undeclared keys, and builds nested instances only where
 * ValidateNested is declared; returns the @Type class of each nested property.
 */
function probeTransformation(metatype: Type<unknown>, grouped: Record<string, Metadata[]>): Map<string, Type<unknown>> {
  const nestedNames = Object.keys(grouped).filter((name) => grouped[name].some((m) => m.type === ValidationTypes.NESTED_VALIDATION));
  const probe: Source = { compiled_validator_probe: 'extra' };
  for (const name of Object.keys(grouped)) probe[name] = nestedNames.includes(name) ? {} : `probe of ${name}`;
  const instance = plainToInstance(metatype, probe) as Source;
  const nestedTypes = new Map<string, Type<unknown>>();
  for (const name of Object.keys(probe)) {
    const copied = instance[name];
    if (nestedNames.includes(name)) {
      const nestedType = (copied as object | undefined)?.constructor as Type<unknown> | undefined;
      if (!nestedType || nestedType === Object) throw new UncompilableRuleError(`${metatype.name}.${name}: ValidateNested without @Type`);
      nestedTypes.set(name, nestedType);
    } else if (copied !== probe[name]) {
      throw new UncompilableRuleError(`${metatype.name}.${name}: class-transformer changes the value (@Transform, @Type, @Expose or @Exclude)`);
    }
  }
  return nestedTypes;
}

/**
 * class-transformer (plainToInstance) skips a key that names an accessor without setter on the
 * class's prototype, or anything the instance inherits as a function (`toString`, `valueOf`, ...).
 */
function droppedKeys(metatype: Type<unknown>): ReadonlySet<string> {
  const instance = Object.create(metatype.prototype as object) as Source;
  const dropped = new Set<string>();
  for (let proto: object | null = metatype.prototype as object; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const own = Object.getOwnPropertyDescriptor(metatype.prototype, key);
      if ((own && !own.set) || instance[key] instanceof Function) dropped.add(key);
    }
  }
  return dropped;
}
