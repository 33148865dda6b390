// The explanation of one prediction as diverging bars: shared by the Score page and History details.
import { Bar, DivergingBars } from '../charts';
import { featureLabel, Manifest } from '../contract';
import { formatNumber, useI18n } from '../i18n';

/** One contribution to the log-odds, as the API gives it. */
export interface Contribution {
  feature: string;
  value: number | string | null;
  contribution: number;
}

/** The top contributions each way. */
export interface Explanation {
  raising: Contribution[];
  lowering: Contribution[];
}

/** The factors raising and lowering the risk, in one chart. */
export function ExplanationChart({ manifest, explanation, heading = 'factors' }: { manifest: Manifest; explanation: Explanation; heading?: 'factors' | 'storedExplanation' }) {
  const { lang, t } = useI18n();
  const bars: Bar[] = [...explanation.raising, ...explanation.lowering].map((c) => ({
    label: featureLabel(manifest, c.feature, lang),
    value: c.contribution,
    detail: `${c.contribution > 0 ? t('raising') : t('lowering')}; ${c.value === null ? t('derived') : `${t('value')} ${c.value}`}`,
  }));
  const format = (v: number) => `${v > 0 ? '+' : '−'}${formatNumber(lang, Math.abs(v), 2)}`;
  return (
    <section class="factors" aria-labelledby={`${heading}-title`}>
      <h3 id={`${heading}-title`}>{t(heading)}</h3>
      <DivergingBars bars={bars} title={t('factorsChart')} format={format} />
    </section>
  );
}
