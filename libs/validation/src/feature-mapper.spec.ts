import { plainToInstance } from 'class-transformer';
import { AttritionFeaturesDto, FEATURE_NAMES } from './attrition-features.dto';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from './examples';
import { FeatureMapper } from './feature-mapper';

describe('FeatureMapper', () => {
  const mapper = new FeatureMapper();

  it('keeps exactly the 27 raw features, with their values', () => {
    const dto = plainToInstance(AttritionFeaturesDto, { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY });
    const { features, ignoredDerived, ignoredUnknown } = mapper.map(dto);
    expect(Object.keys(features)).toEqual([...FEATURE_NAMES]);
    expect(features).toEqual(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
    expect(ignoredDerived).toEqual([]);
    expect(ignoredUnknown).toEqual([]);
  });

  it('separates legacy derived features from unknown keys, and drops both', () => {
    const dto = plainToInstance(AttritionFeaturesDto, {
      ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY,
      taux_volatilite: 0.1,
      stagnation_poste: -2,
      couleur_preferee: 'bleu',
    });
    const { features, ignoredDerived, ignoredUnknown } = mapper.map(dto);
    expect(ignoredDerived).toEqual(['taux_volatilite', 'stagnation_poste']);
    expect(ignoredUnknown).toEqual(['couleur_preferee']);
    expect(features).not.toHaveProperty('taux_volatilite');
    expect(features).not.toHaveProperty('couleur_preferee');
  });
});
