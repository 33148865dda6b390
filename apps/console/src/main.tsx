// The HR web console: four pages over the service's API, French by default, hash-routed so that
// the server only ever serves index.html at `/` and API paths stay the API's.
import './styles.css';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiJson, setKeyPrompt } from './api';
import { Manifest } from './contract';
import { I18nContext, Lang, MessageKey, translate, useI18n } from './i18n';
import { BulkPage } from './pages/bulk';
import { HistoryPage } from './pages/history';
import { ModelPage } from './pages/model';
import { ScorePage } from './pages/score';

const PAGES: { hash: string; label: MessageKey }[] = [
  { hash: '#/score', label: 'navScore' },
  { hash: '#/history', label: 'navHistory' },
  { hash: '#/bulk', label: 'navBulk' },
  { hash: '#/model', label: 'navModel' },
];
const LANG_STORAGE = 'attrition.lang';

function currentHash(): string {
  return PAGES.some((p) => p.hash === location.hash) ? location.hash : '#/score';
}

/** Asks for the admin key in a modal dialog when the API answers 401. */
function KeyDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  const [request, setRequest] = useState<{ refused: boolean; resolve: (key: string | null) => void } | null>(null);
  const { t } = useI18n();
  useEffect(() => setKeyPrompt((refused) => new Promise((resolve) => setRequest({ refused, resolve }))), []);
  useEffect(() => {
    if (request && !ref.current?.open) ref.current?.showModal();
  }, [request]);
  const finish = (key: string | null) => {
    request?.resolve(key);
    setRequest(null);
    if (ref.current?.open) ref.current.close();
  };
  return (
    <dialog ref={ref} aria-labelledby="key-title" onCancel={() => finish(null)}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          const value = new FormData(e.currentTarget).get('admin_key');
          finish(typeof value === 'string' && value.trim() ? value.trim() : null);
          e.currentTarget.reset();
        }}
      >
        <h2 id="key-title">{t('keyTitle')}</h2>
        <p>{t('keyText')}</p>
        {request?.refused && (
          <p class="error" role="alert">
            {t('keyRefused')}
          </p>
        )}
        <label for="admin-key">{t('keyLabel')}</label>
        <input id="admin-key" name="admin_key" type="password" autocomplete="off" required />
        <div class="actions">
          <button type="submit">{t('keySubmit')}</button>
          <button type="button" class="secondary" onClick={() => finish(null)}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function App() {
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem(LANG_STORAGE) === 'en' ? 'en' : 'fr'));
  const [hash, setHash] = useState(currentHash);
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const i18n = useMemo(() => ({ lang, t: (key: MessageKey, vars?: Record<string, string | number>) => translate(lang, key, vars) }), [lang]);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    const onHash = () => {
      setHash(currentHash());
      main.current?.focus();
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    apiJson<Manifest>('/model').then(setManifest, (e: Error) => setFailure(e.message));
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'title');
    localStorage.setItem(LANG_STORAGE, lang);
  }, [lang]);

  const t = i18n.t;
  return (
    <I18nContext.Provider value={i18n}>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          // The fragment is the router's: move the focus instead of navigating.
          e.preventDefault();
          main.current?.focus();
        }}
      >
        {t('skip')}
      </a>
      <header>
        <h1>{t('title')}</h1>
        <nav aria-label={t('nav')}>
          <ul>
            {PAGES.map((p) => (
              <li key={p.hash}>
                <a href={p.hash} aria-current={hash === p.hash ? 'page' : undefined}>
                  {t(p.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="secondary lang" lang={lang === 'fr' ? 'en' : 'fr'} aria-label={t('switchLangLabel')} onClick={() => setLang(lang === 'fr' ? 'en' : 'fr')}>
          {t('switchLang')}
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {failure && (
          <p class="error" role="alert">
            {t('error')} : {failure}
          </p>
        )}
        {!manifest && !failure && <p>{t('loading')}</p>}
        {manifest && hash === '#/score' && <ScorePage manifest={manifest} />}
        {manifest && hash === '#/history' && <HistoryPage manifest={manifest} />}
        {manifest && hash === '#/bulk' && <BulkPage manifest={manifest} />}
        {manifest && hash === '#/model' && <ModelPage manifest={manifest} />}
      </main>
      <KeyDialog />
    </I18nContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
