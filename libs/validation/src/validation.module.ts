import { DynamicModule, Module } from '@nestjs/common';
import { AsyncModuleOptions, optionsProvider } from '@app/common';
import { FeatureMapper } from './feature-mapper';
import { RequestValidator, VALIDATION_OPTIONS } from './request-validator';
import { FeatureValidationOptions } from './validation-pipe.factory';

export type ValidationModuleAsyncOptions = AsyncModuleOptions<FeatureValidationOptions>;

/** Request DTOs, the configured validator, and the mapping from a validated DTO to the model's raw features. */
@Module({})
export class ValidationModule {
  static forRootAsync(options: ValidationModuleAsyncOptions): DynamicModule {
    return {
      module: ValidationModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        optionsProvider(VALIDATION_OPTIONS, options),
        RequestValidator,
        FeatureMapper,
      ],
      exports: [RequestValidator, FeatureMapper],
    };
  }
}
