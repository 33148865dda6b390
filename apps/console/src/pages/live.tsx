// Live monitoring (issue 11): each section renders when its endpoint answers 200 and says "not
// available yet" otherwise. The rendering is deliberately generic (status, top-level figures, the
// first list as a table, PSI as bars) until the endpoints' shapes are settled.
import { useEffect, useState } from 'preact/hooks';
import { apiJson } from '../api';
import { DivergingBars } from '../charts';
import { formatNumber, MessageKey, useI18n } from '../i18n';

type Json = Record<string, unknown>;

function Figures({ body }: { body: Json }) {
  const { lang, t } = useI18n();
  const figures = Object.entries(body).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
  const list = Object.entries(body).find(([, v]) => Array.isArray(v) && v.length && typeof v[0] === 'object') as [string, Json[]] | undefined;
  const columns = list ? Object.keys(list[1][0]).filter((k) => typeof list[1][0][k] !== 'object') : [];
  const psi = list?.[1].filter((r) => typeof r.psi === 'number' && typeof r.feature === 'string') ?? [];
  const cell = (v: unknown) => (typeof v === 'number' ? formatNumber(lang, v, 3) : String(v ?? ''));
  return (
    <>
      {figures.length > 0 && (
        <dl>
          {figures.map(([k, v]) => (
            <div key={k}>
              <dt>{k === 'status' ? t('status') : k}</dt>
              <dd>{cell(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {psi.length > 0 && <DivergingBars bars={psi.map((r) => ({ label: String(r.feature), value: Number(r.psi) }))} title="PSI" format={(v) => formatNumber(lang, v, 3)} />}
      {list && (
        <table>
          <caption>{list[0]}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list[1].slice(0, 40).map((row, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{cell(row[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function LiveSection({ path, title }: { path: string; title: MessageKey }) {
  const { t } = useI18n();
  const [body, setBody] = useState<Json | null | undefined>(undefined);
  useEffect(() => {
    apiJson<Json>(path).then(setBody, () => setBody(null));
  }, [path]);
  const id = `live-${path.split('/').pop()}`;
  return (
    <section aria-labelledby={id} class="live" data-state={body ? 'available' : body === null ? 'unavailable' : 'loading'}>
      <h4 id={id}>{t(title)}</h4>
      {body === undefined && <p>{t('loading')}</p>}
      {body === null && <p>{t('notAvailable')}</p>}
      {body && <Figures body={body} />}
    </section>
  );
}

/** The live sections of the Model page. */
export function LiveMonitoring() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="live-title">
      <h3 id="live-title">{t('live')}</h3>
      <LiveSection path="/model/performance" title="livePerformance" />
      <LiveSection path="/model/drift" title="liveDrift" />
      <LiveSection path="/model/fairness" title="liveFairness" />
    </section>
  );
}
