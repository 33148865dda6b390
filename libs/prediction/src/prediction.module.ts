import { DynamicModule, Module } from '@nestjs/common';
import { optionsProvider } from '@app/common';
import { InputsController } from './inputs.controller';
import { ModelController } from './model.controller';
import { PredictionController } from './prediction.controller';
import { PredictionLedgerService } from './prediction-ledger.service';
import { CsvScoringController } from './csv/csv-scoring.controller';
import { CsvScoringService } from './csv/csv-scoring.service';
import { PredictionService } from './prediction.service';
import { PredictionsController } from './predictions.controller';
import { PREDICTION_OPTIONS, PredictionModuleAsyncOptions } from './prediction.options';

/**
 * REST endpoints and orchestration. ModelRunner, PredictionLogRepository, RequestValidator,
 * FeatureMapper and the API-key guards come from the global Inference, Persistence, Validation and
 * ApiKeys modules that the application configures.
 */
@Module({})
export class PredictionModule {
  static forRootAsync(options: PredictionModuleAsyncOptions): DynamicModule {
    return {
      module: PredictionModule,
      imports: options.imports ?? [],
      controllers: [PredictionController, CsvScoringController, PredictionsController, InputsController, ModelController],
      providers: [
        optionsProvider(PREDICTION_OPTIONS, options),
        PredictionService,
        PredictionLedgerService,
        CsvScoringService,
      ],
      // For `npm run score`, which streams a file through the same service without HTTP.
      exports: [CsvScoringService],
    };
  }
}
