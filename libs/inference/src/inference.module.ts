import { DynamicModule, Module } from '@nestjs/common';
import { INFERENCE_OPTIONS, InferenceModuleAsyncOptions } from './inference.options';
import { ModelRunner } from './model-runner';
import { OnnxModelRunner } from './onnx-model-runner';

/** Owns the ONNX session; exports the ModelRunner port. */
@Module({})
export class InferenceModule {
  static forRootAsync(options: InferenceModuleAsyncOptions): DynamicModule {
    return {
      module: InferenceModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: INFERENCE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        { provide: ModelRunner, useClass: OnnxModelRunner },
      ],
      exports: [ModelRunner],
    };
  }
}
