import { getMetadataStorage } from 'class-validator';
import { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { loadContract, loadTrainingRows } from '../../../test/fixtures/artifacts';
import { AttritionFeaturesDto, FEATURE_NAMES } from './attrition-features.dto';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from './examples';
import { FeatureValidationError } from './feature-validation.error';
import { LEGACY_DERIVED_FEATURES } from './feature-vocabulary';
import { PredictRequestDto } from './predict-request.dto';
import { createValidationPipe } from './validation-pipe.factory';

const lenient = createValidationPipe();
const strict = createValidationPipe({ strictCategories: true });
const valid = (): Record<string, unknown> => ({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY });

async function problemsOf(body: unknown, pipe = lenient) {
  try {
    await pipe.transform(body, { type: 'body', metatype: PredictRequestDto });
    return [];
  } catch (error) {
    if (!(error instanceof FeatureValidationError)) throw error;
    return error.problems;
  }
}

const withFeatures = (changes: Record<string, unknown>) => ({ features: { ...valid(), ...changes } });

describe('AttritionFeaturesDto', () => {
  it('accepts both Swagger examples', async () => {
    await expect(problemsOf({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY })).resolves.toEqual([]);
    await expect(problemsOf({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE })).resolves.toEqual([]);
  });

  it('accepts every one of the 1,470 training rows, in lenient and strict mode', async () => {
    // Arrange
    const rows = loadTrainingRows();
    expect(rows).toHaveLength(1470);
    // Act
    const rejected: { index: number; problems: unknown }[] = [];
    for (const [index, features] of rows.entries()) {
      const problems = [...(await problemsOf({ features })), ...(await problemsOf({ features }, strict))];
      if (problems.length > 0) rejected.push({ index, problems });
    }
    // Assert
    expect(rejected).toEqual([]);
  });

  describe('cross-field rules', () => {
    it.each([
      ['annee_experience_totale', { age: 30, annee_experience_totale: 16 }, { age: 30, annee_experience_totale: 17 }],
      ['annees_dans_l_entreprise', { annee_experience_totale: 8, annees_dans_l_entreprise: 8 }, { annee_experience_totale: 8, annees_dans_l_entreprise: 9 }],
      ['annees_dans_le_poste_actuel', { annees_dans_l_entreprise: 8, annees_dans_le_poste_actuel: 8 }, { annees_dans_l_entreprise: 8, annees_dans_le_poste_actuel: 9 }],
      ['annees_depuis_la_derniere_promotion', { annees_dans_l_entreprise: 8, annees_depuis_la_derniere_promotion: 8 }, { annees_dans_l_entreprise: 8, annees_depuis_la_derniere_promotion: 9 }],
      ['annes_sous_responsable_actuel', { annees_dans_l_entreprise: 8, annes_sous_responsable_actuel: 8 }, { annees_dans_l_entreprise: 8, annes_sous_responsable_actuel: 9 }],
    ])('%s: accepts the boundary, rejects one more', async (feature, atBoundary, overBoundary) => {
      await expect(problemsOf(withFeatures(atBoundary))).resolves.toEqual([]);
      const problems = await problemsOf(withFeatures(overBoundary));
      expect(problems).toEqual([expect.objectContaining({ feature, constraint: 'atMost' })]);
      expect(problems[0].message).toMatch(new RegExp(`^${feature} \\(\\d+\\) must not exceed`));
    });

    it('accepts more years with the manager than in the role (the original rule rejected 25% of real employees)', async () => {
      await expect(
        problemsOf(withFeatures({ annees_dans_le_poste_actuel: 2, annes_sous_responsable_actuel: 5 })),
      ).resolves.toEqual([]);
    });

    it('does not apply a rule while the other side is itself invalid', async () => {
      const problems = await problemsOf(withFeatures({ age: 'thirty', annee_experience_totale: 40 }));
      expect(problems).toEqual([expect.objectContaining({ feature: 'age', constraint: 'isInt' })]);
    });
  });

  describe('types and limits', () => {
    it.each([
      ['age', '35', 'isInt'],
      ['age', true, 'isInt'],
      ['age', 35.5, 'isInt'],
      ['age', null, 'isDefined'],
      ['age', undefined, 'isDefined'],
      ['age', 17, 'min'],
      ['age', 71, 'max'],
      ['genre', 2, 'max'],
      ['satisfaction_employee_equipe', 0, 'min'],
      ['satisfaction_employee_equipe', 5, 'max'],
      ['revenu_mensuel', '6000', 'isNumber'],
      ['revenu_mensuel', 0, 'min'],
      ['frequence_deplacement', 3, 'max'],
      ['poste', 42, 'isString'],
      ['poste', '', 'minLength'],
      ['poste', ['Manager'], 'isString'],
    ])('%s = %p is rejected by %s', async (feature, value, constraint) => {
      const problems = (await problemsOf(withFeatures({ [feature]: value }))).filter((p) => p.feature === feature);
      expect(problems).toEqual([expect.objectContaining({ feature, constraint })]);
      expect(problems[0].message).toContain(feature);
    });

    it('accepts a non-integer monthly income', async () => {
      await expect(problemsOf(withFeatures({ revenu_mensuel: 6214.5 }))).resolves.toEqual([]);
    });

    it('reports every problem at once, one per feature', async () => {
      const problems = await problemsOf(withFeatures({ age: 71, poste: 1, genre: 'F' }));
      expect(problems.map((p) => p.feature).sort()).toEqual(['age', 'genre', 'poste']);
    });

    it.each([
      [{}, 'features', 'isDefined'],
      [{ features: null }, 'features', 'isDefined'],
      [{ features: [] }, 'features', 'isObject'],
      [{ features: 'age=35' }, 'features', 'isObject'],
      [{ features: valid(), explain: 'yes' }, 'explain', 'isBoolean'],
    ])('rejects the body %p', async (body, feature, constraint) => {
      await expect(problemsOf(body)).resolves.toEqual([expect.objectContaining({ feature, constraint })]);
    });
  });

  describe('categories', () => {
    it('accepts an unseen category by default (the model encodes it as all zeros)', async () => {
      await expect(problemsOf(withFeatures({ poste: 'Astronaute' }))).resolves.toEqual([]);
    });

    it('rejects an unseen category in strict mode, listing the allowed values', async () => {
      const problems = await problemsOf(withFeatures({ poste: 'Astronaute' }), strict);
      expect(problems).toEqual([expect.objectContaining({ feature: 'poste', constraint: 'isIn' })]);
      expect(problems[0].message).toContain('Cadre Commercial');
    });

    it('still checks everything else in strict mode', async () => {
      const problems = await problemsOf(withFeatures({ age: 71 }), strict);
      expect(problems).toEqual([expect.objectContaining({ feature: 'age', constraint: 'max' })]);
    });
  });
});

describe('AttritionFeaturesDto agrees with models/attrition/contract.json', () => {
  const contract = loadContract();
  const metadata = getMetadataStorage().getTargetValidationMetadatas(AttritionFeaturesDto, '', true, false);
  const rulesOf = (property: string): ValidationMetadata[] => metadata.filter((m) => m.propertyName === property);
  const constraint = (property: string, name: string) => rulesOf(property).find((m) => m.name === name);

  it('declares exactly the contract features', () => {
    const properties = [...new Set(metadata.map((m) => m.propertyName))].sort();
    expect(properties).toEqual(contract.features.map((f) => f.name).sort());
    expect([...FEATURE_NAMES]).toEqual(contract.features.map((f) => f.name));
  });

  it.each(loadContract().features.map((f) => [f.name, f] as const))('%s: type, limits and categories', (name, spec) => {
    expect(constraint(name, 'isDefined')).toBeDefined();
    if (spec.type === 'category') {
      expect(constraint(name, 'isString')).toBeDefined();
      const isIn = constraint(name, 'isIn');
      expect(isIn?.groups).toEqual(['strict']);
      expect([...(isIn?.constraints[0] as string[])].sort()).toEqual([...spec.categories!].sort());
    } else {
      expect(constraint(name, spec.type === 'integer' ? 'isInt' : 'isNumber')).toBeDefined();
      expect(constraint(name, 'min')?.constraints[0]).toBe(spec.limits!.min);
      expect(constraint(name, 'max')?.constraints[0]).toBe(spec.limits!.max);
    }
  });

  it('implements exactly the contract cross-field rules', () => {
    const rules = metadata
      .filter((m) => m.name === 'atMost')
      .map((m) => {
        const [other, minus] = m.constraints as [string, number];
        return `${m.propertyName} <= ${other}${minus ? ` - ${minus}` : ''}`;
      });
    expect(rules.sort()).toEqual([...contract.cross_field_rules].sort());
  });

  it('knows the legacy derived feature names of the contract', () => {
    expect([...LEGACY_DERIVED_FEATURES].sort()).toEqual([...contract.legacy_derived_features].sort());
  });
});
