import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseWritesHealthIndicator } from './database-writes.health';
import { HealthController } from './health.controller';
import { ModelHealthIndicator } from './model.health';

/** `/health` (original contract), `/health/live` and `/health/ready`. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [HealthController],
  providers: [ModelHealthIndicator, DatabaseWritesHealthIndicator],
})
export class HealthModule {}
