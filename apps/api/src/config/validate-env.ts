import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * Validates the environment against a class-validator class and returns it typed; a bad value
 * stops the process at boot with every problem named.
 */
export function validateEnv<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const config = plainToInstance(schema, env, { enableImplicitConversion: true, excludeExtraneousValues: false });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    throw new Error(`Invalid environment: ${problems.join('; ')}`);
  }
  return config;
}

/** "true"/"false" env strings; implicit conversion would turn "false" into true. */
export function envFlag(value: string | undefined, fallback: boolean): boolean {
  return value === undefined || value === '' ? fallback : value === 'true';
}
