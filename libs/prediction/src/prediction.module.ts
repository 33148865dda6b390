import { DynamicModule, Module } from '@nestjs/common';
import { optionsProvider } from '@app/common';
import { AdminKeyGuard } from './admin-key.guard';
import { InputsController } from './inputs.controller';
import { ModelController } from './model.controller';
import { PredictionController } from './prediction.controller';
import { PredictionLedgerService } from './prediction-ledger.service';
import { PredictionService } from './prediction.service';
import { PredictionsController } from './predictions.controller';
import { PREDICTION_OPTIONS, PredictionModuleAsyncOptions } from './prediction.options';

/**
 * REST endpoints and orchestration. ModelRunner, PredictionLogRepository, RequestValidator and
 * FeatureMapper come from the global Inference, Persistence and Validation modules that the
 * application configures.
 */
@Module({})
export class PredictionModule {
  static forRootAsync(options: PredictionModuleAsyncOptions): DynamicModule {
    return {
      module: PredictionModule,
      // Global for AdminOnly(): other libraries' controllers (monitoring) use the same guard and keys.
      global: true,
      imports: options.imports ?? [],
      controllers: [PredictionController, PredictionsController, InputsController, ModelController],
      providers: [
        optionsProvider(PREDICTION_OPTIONS, options),
        PredictionService,
        PredictionLedgerService,
        AdminKeyGuard,
      ],
      exports: [PREDICTION_OPTIONS, AdminKeyGuard],
    };
  }
}
