// The model's manifest as GET /model serves it (models/attrition/contract.json): the one source of
// the form's fields, labels, limits, categories and cross-field rules.
// Types only (erased by esbuild): the manifest is declared once, by the inference library.
import type { FeatureSpec, MetricSummary, ModelManifest } from '@app/inference';
import { Lang } from './i18n';

/** One raw feature of the contract. */
export type Feature = FeatureSpec;
/** GET /model. */
export type Manifest = ModelManifest;
/** A metric as mean and standard deviation over the cross-validation folds. */
export type MeanStd = MetricSummary;

/** The reliability table of the manifest's `calibration`. */
export interface Calibration {
  bins: { predicted: number; observed: number }[];
}

/** A parsed cross-field rule: `left <= right - offset`. */
export interface Rule {
  left: string;
  right: string;
  offset: number;
}

/** The contract's rules ("a <= b", "a <= b - 14"); a rule in another form is left to the server. */
export function parseRules(rules: string[]): Rule[] {
  return rules.flatMap((text) => {
    const m = /^(\w+)\s*<=\s*(\w+)(?:\s*-\s*(\d+))?$/.exec(text.trim());
    return m ? [{ left: m[1], right: m[2], offset: Number(m[3] ?? 0) }] : [];
  });
}

/** The label of a raw or derived feature in the language, its name when the contract has none. */
export function featureLabel(manifest: Manifest, name: string, lang: Lang): string {
  const raw = manifest.features.find((f) => f.name === name);
  if (raw) return lang === 'fr' ? raw.meaning_fr : raw.meaning_en;
  const derived = manifest.derived_features.find((f) => f.name === name);
  return derived?.meaning_en ?? name;
}

/**
 * A CSV cell or form value as the API expects it: numbers for numeric features (when the text is
 * one), the text otherwise, so that the server names a wrong type instead of the console guessing.
 */
export function toApiValue(feature: Feature, text: string): number | string {
  const trimmed = text.trim();
  if (feature.type !== 'category' && trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return feature.type === 'category' ? text : trimmed;
}
