// The API's warnings in plain words.
import { Feature, featureLabel, Manifest } from '../contract';
import { useI18n } from '../i18n';

/** One warning of a prediction. */
export interface Warning {
  feature: string;
  type: string;
  message: string;
}

/** The list of warnings, or nothing. */
export function Warnings({ manifest, warnings, values }: { manifest: Manifest; warnings: Warning[]; values: Record<string, string | number> }) {
  const { lang, t } = useI18n();
  if (!warnings.length) return null;
  const sentence = (w: Warning) => {
    const feature: Feature | undefined = manifest.features.find((f) => f.name === w.feature);
    const vars = { feature: featureLabel(manifest, w.feature, lang), value: String(values[w.feature] ?? ''), message: w.message };
    if (w.type === 'unknown_category') return t('warnUnknownCategory', vars);
    if (w.type === 'outside_training_range' && feature?.training_range) return t('warnOutside', { ...vars, ...feature.training_range });
    return t('warnOther', vars);
  };
  return (
    <section class="warnings" aria-labelledby="warnings-title">
      <h3 id="warnings-title">{t('warnings')}</h3>
      <ul>
        {warnings.map((w, i) => (
          <li key={i}>{sentence(w)}</li>
        ))}
      </ul>
    </section>
  );
}
