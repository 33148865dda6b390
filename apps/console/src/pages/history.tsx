// History: the stored predictions with the API's filters and keyset pages, details, export, erasure.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, apiJson, download, toApiError } from '../api';
import { featureLabel, Manifest } from '../contract';
import { formatPercent, useI18n } from '../i18n';
import { Explanation, ExplanationChart } from './explanation';

interface Item {
  id: number;
  input_id: number;
  features: Record<string, number | string>;
  prediction: 0 | 1;
  probability: number;
  threshold: number;
  model_version: string;
  created_at: string;
  explanation?: Explanation | null;
  /** Once outcomes are recorded (issue 11); absent before. */
  outcome?: unknown;
}

interface Page {
  items: Item[];
  next_cursor: string | null;
}

type Filters = Record<'from' | 'to' | 'prediction' | 'model_version' | 'min_probability' | 'limit', string>;
const NO_FILTERS: Filters = { from: '', to: '', prediction: '', model_version: '', min_probability: '', limit: '25' };

function query(filters: Filters, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v.trim() !== '') params.set(k, v.trim());
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

/** The outcome in words, whatever shape the outcomes feature gives it ({left} or a 0/1). */
function Outcome({ outcome }: { outcome: unknown }) {
  const { t } = useI18n();
  const left = typeof outcome === 'number' ? outcome : (outcome as { left?: number } | null)?.left;
  const when = (outcome as { observed_at?: string } | null)?.observed_at;
  const text = left === 1 ? t('outcomeLeft') : left === 0 ? t('outcomeStayed') : t('outcomeUnknown');
  return (
    <p>
      <strong>{t('outcome')} :</strong> {text}
      {when ? ` (${when})` : ''}
    </p>
  );
}

function Details({ manifest, item, onClose }: { manifest: Manifest; item: Item; onClose: () => void }) {
  const { lang, t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [item.id]);
  return (
    <section class="details" aria-labelledby="details-title">
      <h3 id="details-title" ref={heading} tabIndex={-1}>
        {t('detailsOf', { id: item.id })}
      </h3>
      <p>
        {t('probability')} : <strong>{formatPercent(lang, item.probability)}</strong> ·{' '}
        {item.prediction === 1 ? t('decisionLeave') : t('decisionStay')} ({t('threshold')} {formatPercent(lang, item.threshold)})
      </p>
      {'outcome' in item && <Outcome outcome={item.outcome} />}
      {item.explanation ? (
        <ExplanationChart manifest={manifest} explanation={item.explanation} heading="storedExplanation" />
      ) : (
        <p>{t('noExplanation')}</p>
      )}
      <details>
        <summary>{t('features')}</summary>
        <table>
          <tbody>
            {Object.entries(item.features).map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{featureLabel(manifest, name, lang)}</th>
                <td>{String(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <button type="button" class="secondary" onClick={onClose}>
        {t('close')}
      </button>
    </section>
  );
}

function ConfirmErase({ inputId, onDone }: { inputId: number | null; onDone: (confirmed: boolean) => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (inputId !== null && !ref.current?.open) ref.current?.showModal();
    if (inputId === null && ref.current?.open) ref.current.close();
  }, [inputId]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" aria-describedby="confirm-text" onCancel={() => onDone(false)}>
      <h2 id="confirm-title">{t('confirmTitle')}</h2>
      <p id="confirm-text">{t('confirmText', { id: inputId ?? '' })}</p>
      <div class="actions">
        <button type="button" class="danger" onClick={() => onDone(true)}>
          {t('confirmErase')}
        </button>
        <button type="button" class="secondary" autofocus onClick={() => onDone(false)}>
          {t('cancel')}
        </button>
      </div>
    </dialog>
  );
}

/** The History page. */
export function HistoryPage({ manifest }: { manifest: Manifest }) {
  const { lang, t } = useI18n();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages seen so far: cursors[i] opens page i + 1 (null: the newest).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  // The page shown and its number: the number changes only when its rows have arrived.
  const [loaded, setLoaded] = useState<{ page: Page; n: number } | null>(null);
  const page = loaded?.page;
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState<Item | null>(null);
  const [erasing, setErasing] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [reload, setReload] = useState(0);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    let live = true;
    const n = cursors.length;
    apiJson<Page>(`/predictions?${query(filters, cursor)}`).then(
      (p) => live && (setLoaded({ page: p, n }), setFailure(null)),
      (e: ApiError) => live && (setLoaded(null), setFailure(e)),
    );
    return () => {
      live = false;
    };
  }, [filters, cursor, reload]);

  const fieldError = (name: string) => failure?.body?.errors?.find((e) => e.feature === name)?.message;
  const filterField = (name: keyof Filters, label: string, input: preact.JSX.Element) => (
    <div class="field">
      <label for={`h-${name}`}>{label}</label>
      {input}
      {fieldError(name) && (
        <p id={`h-${name}-error`} class="server-error">
          {fieldError(name)}
        </p>
      )}
    </div>
  );
  const bind = (name: keyof Filters) => ({
    id: `h-${name}`,
    name,
    value: draft[name],
    'aria-invalid': fieldError(name) ? ('true' as const) : undefined,
    'aria-describedby': fieldError(name) ? `h-${name}-error` : undefined,
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  const open = async (id: number) => {
    try {
      setSelected(await apiJson<Item>(`/predictions/${id}`));
    } catch (e) {
      setFailure(e as ApiError);
    }
  };
  const erase = async (confirmed: boolean) => {
    const id = erasing;
    setErasing(null);
    if (!confirmed || id === null) return;
    const response = await api(`/inputs/${id}`, { method: 'DELETE' });
    if (response.status === 204) {
      setNotice(t('erased', { id }));
      if (selected?.input_id === id) setSelected(null);
      setReload((n) => n + 1);
    } else setFailure(await toApiError(response));
  };
  const exportCsv = async () => {
    setExporting(true);
    try {
      const response = await api(`/predictions/export.csv?${query({ ...filters, limit: '' })}`);
      if (!response.ok) throw await toApiError(response);
      download('predictions.csv', await response.blob());
    } catch (e) {
      setFailure(e as ApiError);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <h2>{t('historyTitle')}</h2>
      <form
        class="filters"
        aria-label={t('filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([null]);
          setFilters(draft);
          setSelected(null);
        }}
      >
        {filterField('from', t('from'), <input type="date" {...bind('from')} />)}
        {filterField('to', t('to'), <input type="date" {...bind('to')} />)}
        {filterField(
          'prediction',
          t('prediction'),
          <select {...bind('prediction')} onChange={bind('prediction').onInput}>
            <option value="">{t('any')}</option>
            <option value="1">{t('leave')}</option>
            <option value="0">{t('stay')}</option>
          </select>,
        )}
        {filterField('model_version', t('modelVersion'), <input type="text" {...bind('model_version')} />)}
        {filterField('min_probability', t('minProbability'), <input type="number" min={0} max={1} step="any" {...bind('min_probability')} />)}
        {filterField(
          'limit',
          t('pageSize'),
          <select {...bind('limit')} onChange={bind('limit').onInput}>
            {['10', '25', '50', '100'].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>,
        )}
        <div class="actions">
          <button type="submit">{t('apply')}</button>
          <button type="button" class="secondary" disabled={exporting} onClick={exportCsv}>
            {exporting ? t('exporting') : t('exportCsv')}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {notice && <p class="notice">{notice}</p>}
        {failure && (
          <p class="error" role="alert">
            {failure.status === 401 ? t('keyNeeded') : failure.message}
          </p>
        )}
      </div>
      {page && page.items.length === 0 && <p>{t('empty')}</p>}
      {page && page.items.length > 0 && (
        <table class="history">
          <caption>{t('pageN', { n: loaded!.n })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('colId')}</th>
              <th scope="col">{t('colDate')}</th>
              <th scope="col">{t('colProbability')}</th>
              <th scope="col">{t('colDecision')}</th>
              <th scope="col">{t('colModel')}</th>
              <th scope="col">{t('colActions')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((item) => (
              <tr key={item.id} data-id={item.id} data-input-id={item.input_id}>
                <td>{item.id}</td>
                <td>{new Date(item.created_at).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB')}</td>
                <td class="num">{formatPercent(lang, item.probability)}</td>
                <td>{item.prediction === 1 ? t('leave') : t('stay')}</td>
                <td>{item.model_version}</td>
                <td class="row-actions">
                  <button type="button" class="secondary" aria-label={t('detailsOf', { id: item.id })} onClick={() => open(item.id)}>
                    {t('details')}
                  </button>
                  <button type="button" class="danger" aria-label={t('eraseOf', { id: item.input_id })} onClick={() => setErasing(item.input_id)}>
                    {t('erase')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label={t('pageN', { n: cursors.length })}>
        <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t('previous')}
        </button>
        <button type="button" class="secondary" disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>
          {t('next')}
        </button>
      </nav>
      {selected && <Details manifest={manifest} item={selected} onClose={() => setSelected(null)} />}
      <ConfirmErase inputId={erasing} onDone={erase} />
    </>
  );
}
