import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { IsOptional, IsString } from 'class-validator';
import { validateEnv } from './validate-env';

class ConsoleEnv {
  @IsOptional() @IsString()
  CONSOLE_DIR?: string;
}

/** Where the built HR web console is (served at `/`). */
export interface ConsoleConfig {
  /** Absolute path of the console build (index.html and assets/). @default dist/console */
  dir: string;
}

export const consoleConfig = registerAs('console', (): ConsoleConfig => {
  const env = validateEnv(ConsoleEnv);
  // Against the working directory, like MODEL_DIR: `npm run build` writes the console to dist/console.
  return { dir: resolve(env.CONSOLE_DIR || 'dist/console') };
});
