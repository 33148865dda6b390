import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class ShutdownEnv {
  @IsOptional() @IsInt() @Min(1000) @Max(600000)
  SHUTDOWN_TIMEOUT_MS?: number;
}

/**
 * Most milliseconds from SIGTERM (or SIGINT) to exit: in-flight requests get this long to finish.
 * Read outside Nest, since the cluster primary runs no Nest application.
 */
export function shutdownTimeoutMs(): number {
  return validateEnv(ShutdownEnv).SHUTDOWN_TIMEOUT_MS ?? 10_000;
}
