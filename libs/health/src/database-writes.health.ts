import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseWriteHealth } from '@app/persistence';

/** Down while the database answers but refuses writes (disk full, read-only): a ping cannot see it. */
@Injectable()
export class DatabaseWritesHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly writes: DatabaseWriteHealth,
  ) {}

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const reason = await this.writes.refusal();
    return reason ? indicator.down({ reason }) : indicator.up();
  }
}
