import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ShutdownState } from '@app/common';

/** Down once the process drains for shutdown: readiness then fails at once, whatever else is up. */
@Injectable()
export class ShutdownHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Whether readiness must fail without asking anything else. */
  isDraining(): boolean {
    return this.shutdown.isDraining();
  }

  isHealthy(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    return this.shutdown.isDraining() ? indicator.down({ reason: 'shutting down' }) : indicator.up();
  }
}
