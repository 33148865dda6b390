import { DynamicModule, FactoryProvider, Module, ModuleMetadata } from '@nestjs/common';
import { FeatureMapper } from './feature-mapper';
import { RequestValidator, VALIDATION_OPTIONS } from './request-validator';
import { FeatureValidationOptions } from './validation-pipe.factory';

export interface ValidationModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => FeatureValidationOptions | Promise<FeatureValidationOptions>;
}

/** Request DTOs, the configured validator, and the mapping from a validated DTO to the model's raw features. */
@Module({})
export class ValidationModule {
  static forRootAsync(options: ValidationModuleAsyncOptions): DynamicModule {
    return {
      module: ValidationModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: VALIDATION_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        RequestValidator,
        FeatureMapper,
      ],
      exports: [RequestValidator, FeatureMapper],
    };
  }
}
