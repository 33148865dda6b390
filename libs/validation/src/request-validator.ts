import { ArgumentMetadata, Inject, Injectable, PipeTransform, Type, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { FEATURE_NAMES } from './attrition-features.dto';
import { CompiledValidator, compileValidator } from './compiled-validator';
import { LEGACY_DERIVED_FEATURES } from './feature-vocabulary';
import { FeatureValidationError } from './feature-validation.error';
import { inspectRequestShape } from './request-shape';
import { PredictRequestDto } from './predict-request.dto';
import { createValidationPipe, FeatureValidationOptions, validatorOptionsFor } from './validation-pipe.factory';

export const VALIDATION_OPTIONS = Symbol('validation:options');

/** The hot-path DTOs, validated by a function compiled from their class-validator rules at start-up. */
const COMPILED_DTOS: Type<unknown>[] = [PredictRequestDto];

/**
 * The app's global pipe. Bodies and query strings bound to a DTO class are first checked for a
 * bounded shape (depth, properties, values, control characters: linear time, no recursion), then
 * validated: the prediction body by its compiled validator (same answers as the pipe, a plain
 * object instead of a class instance), every other DTO by the one configured ValidationPipe. Batch
 * endpoints receive their body undeclared (`unknown`) and call `validate` item by item, so one bad
 * item rejects only itself. A rule the compiler cannot handle stops the app at start-up.
 */
@Injectable()
export class RequestValidator implements PipeTransform {
  private readonly pipe: ValidationPipe;
  private readonly compiled = new Map<Type<unknown>, CompiledValidator<unknown>>();
  private readonly knownNames = new Map<Type<unknown>, ReadonlySet<string>>();

  constructor(@Inject(VALIDATION_OPTIONS) options: FeatureValidationOptions) {
    this.pipe = createValidationPipe(options);
    const validatorOptions = validatorOptionsFor(options);
    for (const dto of COMPILED_DTOS) this.compiled.set(dto, compileValidator(dto, validatorOptions));
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (!isDtoClass(metadata.metatype) || (metadata.type !== 'body' && metadata.type !== 'query')) return value;
    return this.validate(metadata.metatype, value, metadata.type);
  }

  /** The validated value (a class instance, or a plain object with the same fields for a compiled DTO); rejects with FeatureValidationError. */
  async validate<T>(metatype: Type<T>, value: unknown, type: 'body' | 'query' = 'body'): Promise<T> {
    const problems = inspectRequestShape(value, this.namesOf(metatype), type);
    if (problems.length > 0) throw new FeatureValidationError(problems);
    const compiled = this.compiled.get(metatype);
    if (compiled) return compiled(value) as T;
    return this.pipe.transform(value, { type, metatype });
  }

  /** Property names a problem may be named after: the DTO's own and the features'. */
  private namesOf(metatype: Type<unknown>): ReadonlySet<string> {
    let names = this.knownNames.get(metatype);
    if (!names) {
      const declared = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).map((m) => m.propertyName);
      names = new Set([...FEATURE_NAMES, ...LEGACY_DERIVED_FEATURES, ...declared]);
      this.knownNames.set(metatype, names);
    }
    return names;
  }
}

const NOT_VALIDATED: unknown[] = [String, Boolean, Number, Array, Object, Buffer];

/** A class of our own; `unknown`, `object` and primitives are the handler's to check. */
function isDtoClass(metatype: ArgumentMetadata['metatype']): metatype is Type<unknown> {
  return typeof metatype === 'function' && !NOT_VALIDATED.includes(metatype);
}
