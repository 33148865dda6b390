import { ModelManifest } from '@app/inference';
import { RawFeatures } from '@app/validation';
import { PredictionWarningDto } from './prediction-response.dto';

/**
 * What the model saw in training, from its manifest: values outside are still valid (the hard
 * limits were checked) but deserve a warning.
 */
export class TrainingDomain {
  private readonly categories = new Map<string, Set<string>>();
  private readonly ranges = new Map<string, { min: number; max: number }>();

  constructor(manifest: ModelManifest) {
    for (const f of manifest.features) {
      if (f.categories) this.categories.set(f.name, new Set(f.categories));
      if (f.training_range) this.ranges.set(f.name, f.training_range);
    }
  }

  warningsFor(features: RawFeatures): PredictionWarningDto[] {
    const warnings: PredictionWarningDto[] = [];
    for (const [name, known] of this.categories) {
      const value = features[name] as string;
      if (!known.has(value)) {
        warnings.push({
          feature: name,
          type: 'unknown_category',
          message: `${name} '${value}' was not seen in training; the model treats it as an unseen category ` +
            `(known: ${[...known].join(', ')})`,
        });
      }
    }
    for (const [name, { min, max }] of this.ranges) {
      const value = features[name] as number;
      if (value < min || value > max) {
        warnings.push({
          feature: name,
          type: 'outside_training_range',
          message: `${name} ${value} is outside the training range ${min}-${max}; the model extrapolates`,
        });
      }
    }
    return warnings;
  }
}
