import { Module } from '@nestjs/common';
import { FeatureMapper } from './feature-mapper';

/** Request DTOs and the mapping from a validated DTO to the model's raw features. */
@Module({
  providers: [FeatureMapper],
  exports: [FeatureMapper],
})
export class ValidationModule {}
