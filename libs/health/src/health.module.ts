import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ShutdownModule } from '@app/common';
import { DatabaseWritesHealthIndicator } from './database-writes.health';
import { HealthController } from './health.controller';
import { ModelHealthIndicator } from './model.health';
import { ShutdownHealthIndicator } from './shutdown.health';

/** `/health` (original contract), `/health/live` and `/health/ready`. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), ShutdownModule],
  controllers: [HealthController],
  providers: [ModelHealthIndicator, DatabaseWritesHealthIndicator, ShutdownHealthIndicator],
})
export class HealthModule {}
