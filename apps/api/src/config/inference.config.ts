import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { InferenceModuleOptions } from '@app/inference';
import { envFlag, validateEnv } from './validate-env';

class InferenceEnv {
  @IsOptional() @IsString()
  MODEL_DIR?: string;

  @IsOptional() @IsInt() @Min(1) @Max(64)
  ORT_INTRA_OP_THREADS?: number;

  @IsOptional() @IsIn(['true', 'false'])
  ORT_COALESCE?: string;
}

export const inferenceConfig = registerAs('inference', (): InferenceModuleOptions => {
  const env = validateEnv(InferenceEnv);
  return {
    // Against the working directory, not __dirname: dist/ is laid out differently from src/.
    modelDir: resolve(env.MODEL_DIR || 'models/attrition'),
    intraOpNumThreads: env.ORT_INTRA_OP_THREADS ?? 1,
    coalesce: envFlag(env.ORT_COALESCE, true),
  };
});
