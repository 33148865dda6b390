// Bulk: a CSV of employees scored in chunks through POST /predict/batch, with per-row errors and a
// scored CSV to download. CSV reading and writing is papaparse's.
import Papa from 'papaparse';
import { useState } from 'preact/hooks';
import { api, download, ErrorBody, toApiError } from '../api';
import { Manifest, toApiValue } from '../contract';
import { useI18n } from '../i18n';

/** Rows per /predict/batch call: well under the server's BATCH_MAX_ITEMS and body limits. */
const CHUNK = 100;

interface BatchResult {
  index: number;
  status: number;
  result?: { id: number; probability: number; prediction: 0 | 1 };
  error?: ErrorBody;
}

interface Scored {
  id?: number;
  probability?: number;
  prediction?: 0 | 1;
  error?: string;
}

function parseCsv(file: File): Promise<Papa.ParseResult<Record<string, string>>> {
  return new Promise((resolve, reject) =>
    Papa.parse<Record<string, string>>(file, { header: true, skipEmptyLines: 'greedy', complete: resolve, error: reject }),
  );
}

/** The Bulk page. */
export function BulkPage({ manifest }: { manifest: Manifest }) {
  const { t } = useI18n();
  const names = manifest.features.map((f) => f.name);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [output, setOutput] = useState<{ fields: string[]; rows: Record<string, string>[]; scored: Scored[] } | null>(null);

  const run = async (event: Event) => {
    event.preventDefault();
    const file = (new FormData(event.currentTarget as HTMLFormElement).get('file') as File | null) ?? null;
    setFailure(null);
    setOutput(null);
    setProgress(null);
    if (!file || file.size === 0) return setFailure(t('noRows'));
    let parsed: Papa.ParseResult<Record<string, string>>;
    try {
      parsed = await parseCsv(file);
    } catch (e) {
      return setFailure(t('csvProblem', { detail: (e as Error).message }));
    }
    const fields = parsed.meta.fields ?? [];
    const missing = names.filter((n) => !fields.includes(n));
    if (missing.length) return setFailure(t('missingColumns', { cols: missing.join(', ') }));
    const rows = parsed.data;
    if (rows.length === 0) return setFailure(t('noRows'));
    const scored: Scored[] = new Array(rows.length);
    setProgress({ done: 0, total: rows.length });
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      // Only the contract's columns are sent; an empty cell is a missing feature, which the server names.
      const items = chunk.map((row) => ({
        features: Object.fromEntries(manifest.features.filter((f) => (row[f.name] ?? '') !== '').map((f) => [f.name, toApiValue(f, row[f.name])])),
      }));
      try {
        const response = await api('/predict/batch', { method: 'POST', json: { items } });
        if (!response.ok) throw await toApiError(response);
        const body = (await response.json()) as { results: BatchResult[] };
        for (const r of body.results) {
          scored[start + r.index] = r.result
            ? { id: r.result.id, probability: r.result.probability, prediction: r.result.prediction }
            : { error: r.error?.detail ?? `HTTP ${r.status}` };
        }
      } catch (e) {
        chunk.forEach((_, i) => (scored[start + i] = { error: (e as Error).message }));
      }
      setProgress({ done: Math.min(start + CHUNK, rows.length), total: rows.length });
    }
    setOutput({ fields, rows, scored });
  };

  const downloadScored = () => {
    if (!output) return;
    const extra = ['id', 'probability', 'prediction', 'error'];
    const columns = [...output.fields.filter((f) => !extra.includes(f)), ...extra];
    const data = output.rows.map((row, i) => {
      const s = output.scored[i];
      return { ...row, id: s.id ?? '', probability: s.probability ?? '', prediction: s.prediction ?? '', error: s.error ?? '' };
    });
    download('scored.csv', new Blob([Papa.unparse(data, { columns })], { type: 'text/csv;charset=utf-8' }));
  };

  const errors = output?.scored.map((s, i) => ({ line: i + 2, error: s.error })).filter((e) => e.error) ?? [];
  return (
    <>
      <h2>{t('bulkTitle')}</h2>
      <p>{t('bulkIntro', { n: names.length })}</p>
      <p class="actions">
        <button type="button" class="secondary" onClick={() => download('attrition-template.csv', new Blob([Papa.unparse({ fields: names, data: [] })], { type: 'text/csv;charset=utf-8' }))}>
          {t('template')}
        </button>
        <a class="button secondary" href="sample.csv" download="attrition-sample.csv">
          {t('sample')}
        </a>
      </p>
      <form class="bulk-form" onSubmit={run}>
        <div class="field">
          <label for="bulk-file">{t('file')}</label>
          <input id="bulk-file" name="file" type="file" accept=".csv,text/csv" required />
        </div>
        <button type="submit" disabled={progress !== null && progress.done < progress.total}>
          {t('scoreFile')}
        </button>
      </form>
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      {progress && (
        <div class="progress">
          <label for="bulk-progress">{t('progress')}</label>
          <progress id="bulk-progress" max={progress.total} value={progress.done} />
          <p id="bulk-status" aria-live="polite">
            {output ? t('bulkDone', { ok: output.scored.length - errors.length, bad: errors.length }) : t('progressText', progress)}
          </p>
        </div>
      )}
      {output && (
        <>
          <p>
            <button type="button" onClick={downloadScored}>
              {t('downloadScored')}
            </button>
          </p>
          {errors.length > 0 && (
            <table class="row-errors">
              <caption>{t('rowErrors')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('colRow')}</th>
                  <th scope="col">{t('colError')}</th>
                </tr>
              </thead>
              <tbody>
                {errors.map((e) => (
                  <tr key={e.line}>
                    <td>{e.line}</td>
                    <td>{e.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </>
  );
}
