import { DynamicModule, Module } from '@nestjs/common';
import { optionsProvider } from '@app/common';
import { inferenceBatchSizeProvider } from './inference.metrics';
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
        optionsProvider(INFERENCE_OPTIONS, options),
        { provide: ModelRunner, useClass: OnnxModelRunner },
        inferenceBatchSizeProvider,
      ],
      exports: [ModelRunner],
    };
  }
}
