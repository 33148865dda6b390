import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class WorkersEnv {
  @IsOptional() @IsInt() @Min(1) @Max(64)
  WORKERS?: number;
}

/** Processes to run (node:cluster); read before Nest starts, since it decides whether Nest starts here. */
export function workerCount(): number {
  return validateEnv(WorkersEnv).WORKERS ?? 1;
}
