import { registerDecorator, ValidationArguments } from 'class-validator';

/** `value <= bound - minus`, and true while either side is not a number (see AtMost). */
export function atMostHolds(value: unknown, bound: unknown, minus: number): boolean {
  if (typeof value !== 'number' || typeof bound !== 'number') return true;
  return value <= bound - minus;
}

/**
 * Cross-field coherence: `value <= other - minus`. Skipped while either side is not a number, so
 * that a missing or mistyped field is reported once, by its own type check.
 */
export function AtMost(other: string, minus = 0): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    const limit = minus === 0 ? other : `${other} - ${minus}`;
    registerDecorator({
      name: 'atMost',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other, minus],
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} (${args.value}) must not exceed ${limit} ` +
          `(${(args.object as Record<string, unknown>)[other] as number - minus})`,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          return atMostHolds(value, (args.object as Record<string, unknown>)[other], minus);
        },
      },
    });
  };
}
