import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DatabaseWritesHealthIndicator } from './database-writes.health';
import { ModelHealthIndicator } from './model.health';
import { ShutdownHealthIndicator } from './shutdown.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly model: ModelHealthIndicator,
    private readonly writes: DatabaseWritesHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
  ) {}

  /** The original service's health check; kept as is for its clients. */
  @Get()
  @ApiOperation({ summary: 'The API is up (as in the original service)' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  status(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers; checks nothing external' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers and accepts writes, the model is loaded and the process is not shutting down' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  ready() {
    // A draining process answers 503 at once, without waiting for the database ping.
    if (this.shutdown.isDraining()) return this.health.check([() => this.shutdown.isHealthy('shutdown')]);
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1500 }),
      () => this.writes.isHealthy('database_writes'),
      () => this.model.isHealthy('model'),
    ]);
  }
}
