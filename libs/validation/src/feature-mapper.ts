import { Injectable } from '@nestjs/common';
import { AttritionFeaturesDto, FEATURE_NAMES } from './attrition-features.dto';
import { LEGACY_DERIVED_FEATURES } from './feature-vocabulary';

export type RawFeatures = Record<string, number | string>;

export interface MappedFeatures {
  /** Exactly the 27 raw features, as validated: what the model reads and what is stored. */
  features: RawFeatures;
  /** Derived features an older client computed; the model computes its own. */
  ignoredDerived: string[];
  /** Keys that are neither raw nor legacy derived features. */
  ignoredUnknown: string[];
}

const KNOWN = new Set<string>(FEATURE_NAMES);
const LEGACY = new Set<string>(LEGACY_DERIVED_FEATURES);

/** Pure: a validated DTO in, the model's raw features and the names of the dropped keys out. */
@Injectable()
export class FeatureMapper {
  /** The raw feature names this mapper produces, for the boot-time check against the model. */
  readonly featureNames: readonly string[] = FEATURE_NAMES;

  map(dto: AttritionFeaturesDto): MappedFeatures {
    const features: RawFeatures = {};
    for (const name of FEATURE_NAMES) features[name] = dto[name];
    const ignoredDerived: string[] = [];
    const ignoredUnknown: string[] = [];
    for (const key of Object.keys(dto)) {
      if (KNOWN.has(key)) continue;
      (LEGACY.has(key) ? ignoredDerived : ignoredUnknown).push(key);
    }
    return { features, ignoredDerived, ignoredUnknown };
  }
}
