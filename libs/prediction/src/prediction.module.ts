import { Module } from '@nestjs/common';
import { ValidationModule } from '@app/validation';
import { InputsController } from './inputs.controller';
import { ModelController } from './model.controller';
import { PredictionController } from './prediction.controller';
import { PredictionLedgerService } from './prediction-ledger.service';
import { PredictionService } from './prediction.service';
import { PredictionsController } from './predictions.controller';

/**
 * REST endpoints and orchestration. ModelRunner and PredictionLogRepository come from the global
 * InferenceModule and PersistenceModule that the application configures.
 */
@Module({
  imports: [ValidationModule],
  controllers: [PredictionController, PredictionsController, InputsController, ModelController],
  providers: [PredictionService, PredictionLedgerService],
})
export class PredictionModule {}
