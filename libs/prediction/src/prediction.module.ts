import { Module } from '@nestjs/common';
import { ValidationModule } from '@app/validation';
import { PredictionController } from './prediction.controller';
import { PredictionService } from './prediction.service';

/**
 * REST endpoints and orchestration. ModelRunner and PredictionLogRepository come from the global
 * InferenceModule and PersistenceModule that the application configures.
 */
@Module({
  imports: [ValidationModule],
  controllers: [PredictionController],
  providers: [PredictionService],
})
export class PredictionModule {}
