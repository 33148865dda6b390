// Score: a real <form> generated from GET /model, checked as the user types, judged by the server.
import { useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, apiJson } from '../api';
import { Feature, featureLabel, Manifest, parseRules, Rule, toApiValue } from '../contract';
import { Explanation, ExplanationChart } from './explanation';
import { formatPercent, useI18n } from '../i18n';
import { Warnings, Warning } from './warnings';
import { ProbabilityGauge } from '../charts';

/** The answer of POST /predict with `explain: true`. */
interface Prediction {
  prediction: 0 | 1;
  probability: number;
  id: number;
  input_id: number;
  model_version: string;
  threshold: number;
  warnings: Warning[];
  explanation?: Explanation;
}

type Values = Record<string, string>;

/** The client-side problems of each field: type, limits and the contract's cross-field rules. */
function clientProblems(manifest: Manifest, rules: Rule[], values: Values, t: ReturnType<typeof useI18n>['t'], lang: 'fr' | 'en') {
  const problems: Record<string, string> = {};
  const numbers: Record<string, number> = {};
  for (const f of manifest.features) {
    const text = (values[f.name] ?? '').trim();
    if (text === '') continue;
    if (f.type === 'category') continue;
    const n = Number(text);
    if (!Number.isFinite(n)) problems[f.name] = t('mustBeNumber');
    else if (f.type === 'integer' && !Number.isInteger(n)) problems[f.name] = t('mustBeInteger');
    else if (f.limits && (n < f.limits.min || n > f.limits.max)) problems[f.name] = t('outOfLimits', f.limits);
    else numbers[f.name] = n;
  }
  for (const r of rules) {
    if (problems[r.left] || !(r.left in numbers) || !(r.right in numbers)) continue;
    if (numbers[r.left] > numbers[r.right] - r.offset) {
      problems[r.left] = t('ruleBroken', { right: featureLabel(manifest, r.right, lang), offset: r.offset ? ` − ${r.offset}` : '' });
    }
  }
  return problems;
}

function Field({ feature, value, problem, serverProblems, onInput }: {
  feature: Feature;
  value: string;
  problem?: string;
  serverProblems?: string[];
  onInput: (name: string, value: string) => void;
}) {
  const { lang, t } = useI18n();
  const id = `f-${feature.name}`;
  const invalid = Boolean(problem || serverProblems?.length);
  const help = [
    feature.limits ? t('limits', feature.limits) : '',
    feature.training_range && feature.limits && (feature.training_range.min !== feature.limits.min || feature.training_range.max !== feature.limits.max)
      ? t('trainingRange', feature.training_range)
      : '',
  ].filter(Boolean).join(' · ');
  const describedBy = [help && `${id}-help`, problem && `${id}-hint`, serverProblems?.length && `${id}-server-error`].filter(Boolean).join(' ');
  const common = {
    id,
    name: feature.name,
    required: true,
    'aria-invalid': invalid ? ('true' as const) : undefined,
    'aria-describedby': describedBy || undefined,
    onInput: (e: Event) => onInput(feature.name, (e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={invalid ? 'field invalid' : 'field'}>
      <label for={id}>
        {lang === 'fr' ? feature.meaning_fr : feature.meaning_en}
        <span class="feature-name"> ({feature.name})</span>
      </label>
      {feature.type === 'category' ? (
        <select {...common} value={value} onChange={common.onInput}>
          <option value="">{t('choose')}</option>
          {feature.categories!.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type="number"
          inputMode={feature.type === 'integer' ? 'numeric' : 'decimal'}
          step={feature.type === 'integer' ? 1 : 'any'}
          min={feature.limits?.min}
          max={feature.limits?.max}
          value={value}
        />
      )}
      {help && (
        <p id={`${id}-help`} class="help">
          {help}
        </p>
      )}
      {problem && (
        <p id={`${id}-hint`} class="field-error">
          {problem}
        </p>
      )}
      {serverProblems?.length ? (
        <p id={`${id}-server-error`} class="server-error">
          {serverProblems.join(' ; ')}
        </p>
      ) : null}
    </div>
  );
}

/** The Score page. */
export function ScorePage({ manifest }: { manifest: Manifest }) {
  const { lang, t } = useI18n();
  const rules = useMemo(() => parseRules(manifest.cross_field_rules), [manifest]);
  const [values, setValues] = useState<Values>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<Prediction | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const problems = clientProblems(manifest, rules, values, t, lang);

  const onInput = (name: string, value: string) => {
    setValues((v) => ({ ...v, [name]: value }));
    // A server error no longer applies once the field changes.
    setServerErrors((e) => (e[name] ? { ...e, [name]: [] } : e));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    // Read the form itself, so that autofill and scripts that set values directly count too.
    const data = new FormData(form.current!);
    const features: Record<string, number | string> = {};
    for (const f of manifest.features) {
      const text = data.get(f.name);
      if (typeof text === 'string' && text.trim() !== '') features[f.name] = toApiValue(f, text);
    }
    setBusy(true);
    setFailure(null);
    setServerErrors({});
    try {
      setResult(await apiJson<Prediction>('/predict', { method: 'POST', json: { features, explain: true } }));
    } catch (e) {
      setResult(null);
      const error = e as ApiError;
      const byField: Record<string, string[]> = {};
      const unplaced: string[] = [];
      for (const item of error.body?.errors ?? []) {
        if (manifest.features.some((f) => f.name === item.feature)) (byField[item.feature] ??= []).push(item.message);
        else unplaced.push(item.message);
      }
      setServerErrors(byField);
      setFailure(Object.keys(byField).length ? [t('formHasErrors'), ...unplaced].join(' ') : error.message);
      const first = manifest.features.find((f) => byField[f.name]);
      if (first) document.getElementById(`f-${first.name}`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h2>{t('scoreTitle')}</h2>
      <p>{t('scoreIntro')}</p>
      <form ref={form} class="score-form" noValidate onSubmit={submit} aria-describedby={failure ? 'score-failure' : undefined}>
        <div class="fields">
          {manifest.features.map((f) => (
            <Field key={f.name} feature={f} value={values[f.name] ?? ''} problem={problems[f.name]} serverProblems={serverErrors[f.name]} onInput={onInput} />
          ))}
        </div>
        {failure && (
          <p id="score-failure" class="error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('submitting') : t('submit')}
        </button>
      </form>
      <section class="result" aria-live="polite" aria-labelledby="result-title">
        {result && (
          <>
            <h2 id="result-title">{t('result')}</h2>
            <p class="big">
              {t('probability')} : <strong id="probability">{formatPercent(lang, result.probability)}</strong>
            </p>
            <p id="decision" class={result.prediction === 1 ? 'decision high' : 'decision low'}>
              {result.prediction === 1 ? t('decisionLeave') : t('decisionStay')} ({t('threshold')} {formatPercent(lang, result.threshold)})
            </p>
            <ProbabilityGauge probability={result.probability} threshold={result.threshold} />
            <Warnings manifest={manifest} warnings={result.warnings} values={values} />
            {result.explanation && <ExplanationChart manifest={manifest} explanation={result.explanation} />}
            <p class="muted">{t('storedAs', { id: result.id, input: result.input_id, version: result.model_version })}</p>
          </>
        )}
      </section>
    </>
  );
}
