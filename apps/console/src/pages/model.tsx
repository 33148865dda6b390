// Model: identity, cross-validated metrics, calibration and the model card's fairness table from
// the served model; live monitoring below (pages/live.tsx).
import { useEffect, useState } from 'preact/hooks';
import { ReliabilityPlot } from '../charts';
import { Calibration, Manifest, MeanStd } from '../contract';
import { formatNumber, formatPercent, useI18n } from '../i18n';
import { LiveMonitoring } from './live';

const METRIC_LABELS: Record<string, string> = {
  roc_auc: 'ROC AUC',
  pr_auc: 'PR AUC',
  brier: 'Brier',
  log_loss: 'Log loss',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
};

/** The first pipe table under the model card's "Fairness" heading: header cells and rows. */
export function fairnessTable(markdown: string): { header: string[]; rows: string[][] } | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+\s*Fairness/i.test(l));
  if (start < 0) return null;
  const table = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim().startsWith('|')) table.push(line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim()));
    else if (table.length) break;
  }
  if (table.length < 3) return null;
  return { header: table[0], rows: table.slice(2) };
}

function Fairness() {
  const { t } = useI18n();
  const [table, setTable] = useState<ReturnType<typeof fairnessTable> | undefined>(undefined);
  useEffect(() => {
    fetch('/model-card.md')
      .then((r) => (r.ok ? r.text() : ''))
      .then((text) => setTable(fairnessTable(text)), () => setTable(null));
  }, []);
  if (table === undefined) return <p>{t('loading')}</p>;
  if (table === null) return <p>{t('notAvailable')}</p>;
  return (
    <table class="fairness">
      <caption>
        {t('fairnessSource')} (<a href="/model-card.md">MODEL_CARD.md</a>)
      </caption>
      <thead>
        <tr>
          {table.header.map((h) => (
            <th scope="col" key={h}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row) => (
          <tr key={row[0]}>
            {row.map((cell, i) => (i === 0 ? <th scope="row" key={i}>{cell}</th> : <td class="num" key={i}>{cell}</td>))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The Model page. */
export function ModelPage({ manifest }: { manifest: Manifest }) {
  const { lang, t } = useI18n();
  const calibration = manifest.calibration as Partial<Calibration> | undefined;
  const metrics = Object.entries(manifest.metrics).filter(
    (e): e is [string, MeanStd] => typeof e[1] === 'object' && e[1] !== null && 'mean' in e[1] && 'std' in e[1],
  );
  return (
    <>
      <h2>{t('modelTitle')}</h2>
      <div class="cards">
        <section aria-labelledby="identity-title">
          <h3 id="identity-title">{t('identity')}</h3>
          <dl>
            <dt>{t('name')}</dt>
            <dd>{manifest.model.name}</dd>
            <dt>{t('version')}</dt>
            <dd id="model-version">{manifest.model.version}</dd>
            <dt>{t('trainedAt')}</dt>
            <dd>{new Date(manifest.model.trained_at).toLocaleDateString(lang === 'fr' ? 'fr-FR' : 'en-GB')}</dd>
            <dt>{t('trainingRows')}</dt>
            <dd>{manifest.model.training_rows}</dd>
            <dt>{t('threshold')}</dt>
            <dd>{formatPercent(lang, manifest.threshold)}</dd>
            <dt>{t('thresholdPolicy')}</dt>
            <dd>{manifest.threshold_policy}</dd>
            <dt>{t('algorithm')}</dt>
            <dd>{manifest.model.algorithm}</dd>
          </dl>
        </section>
        <section aria-labelledby="metrics-title">
          <h3 id="metrics-title">{t('metrics')}</h3>
          <table>
            <caption>{String(manifest.metrics.cv ?? '')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('metric')}</th>
                <th scope="col">{t('mean')}</th>
                <th scope="col">{t('std')}</th>
              </tr>
            </thead>
            <tbody>
              {metrics.map(([name, m]) => (
                <tr key={name}>
                  <th scope="row">{METRIC_LABELS[name] ?? name}</th>
                  <td class="num">{formatNumber(lang, m.mean, 4)}</td>
                  <td class="num">{formatNumber(lang, m.std, 4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {calibration?.bins && (
          <section aria-labelledby="calibration-title">
            <h3 id="calibration-title">{t('calibration')}</h3>
            <ReliabilityPlot bins={calibration.bins} />
          </section>
        )}
      </div>
      <section aria-labelledby="fairness-title">
        <h3 id="fairness-title">{t('fairness')}</h3>
        <Fairness />
      </section>
      <LiveMonitoring />
    </>
  );
}
