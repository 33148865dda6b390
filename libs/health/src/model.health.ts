import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ModelRunner } from '@app/inference';

/** Up when the ONNX session is loaded; reports the model version. */
@Injectable()
export class ModelHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly runner: ModelRunner,
  ) {}

  isHealthy(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    if (!this.runner.isReady()) return indicator.down({ reason: 'model not loaded' });
    return indicator.up({ version: this.runner.manifest.model.version });
  }
}
