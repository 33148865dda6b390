import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import { ModelRunner } from '@app/inference';

export const MODEL_INFO = 'attrition_model_info';

/** attrition_model_info{name, version, sha256} 1: which model each instance serves. */
@Injectable()
export class ModelInfoMetric implements OnApplicationBootstrap {
  constructor(
    @InjectMetric(MODEL_INFO) private readonly info: Gauge<'name' | 'version' | 'sha256'>,
    private readonly runner: ModelRunner,
  ) {}

  onApplicationBootstrap(): void {
    const { name, version, sha256 } = this.runner.manifest.model;
    this.info.reset();
    this.info.set({ name, version, sha256 }, 1);
  }
}
