import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import Papa from 'papaparse';
import { Browser, chromium, Download, Page } from 'playwright-core';
import { buildConsole } from '../scripts/build/build-console';
import { loadContract, loadParity } from './fixtures/artifacts';
import { countRows, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeIf, TEST_SETTINGS } from './support/test-settings';

// The HR web console in Debian's headless Chromium, driven by playwright-core, against the real app.
// CONSOLE_SCREENSHOTS=1 also writes docs/console-*.png (the README shows them).

jest.setTimeout(120_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Stricter than helmet's default: the console must not need inline scripts, inline styles or eval.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const SCREENSHOTS = Boolean(process.env.CONSOLE_SCREENSHOTS);
const ADMIN_KEY = 'console-admin-key-0123456789';

const contract = loadContract();
const parity = loadParity();
const FEATURES = contract.features.map((f) => f.name);
const byProbability = [...parity.rows].sort((a, b) => a.probability - b.probability);
const STAYER = byProbability[0];
const LEAVER = byProbability[byProbability.length - 1];

const consoleDir = mkdtempSync(join(tmpdir(), 'attrition-console-'));
let browser: Browser;

beforeAll(async () => {
  await buildConsole(consoleDir);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  rmSync(consoleDir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  /** Console errors, CSP violations included, and uncaught page errors. */
  problems: string[];
}

/** A fresh browser context (fresh storage) on `url`, the document served with the strict CSP. */
async function open(url: string): Promise<Opened> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 }, locale: 'fr-FR' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
  await page.goto(url);
  return { page, problems };
}

async function closeAll({ page, problems }: Opened): Promise<void> {
  await page.context().close();
  expect(problems).toEqual([]);
}

/** axe-core's serious and critical violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axe.source);
  const results: axe.AxeResults = await page.evaluate("axe.run(document, { resultTypes: ['violations'] })");
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(__dirname, '..', 'docs', `console-${name}.png`), fullPage: true });
}

/**
 * Fills the Score form by its controls' names, as a script or autofill would (one round trip
 * instead of 27: the machine is shared), with the input and change events a user's typing fires.
 */
async function fillForm(page: Page, features: Record<string, number | string>): Promise<void> {
  await page.locator('form.score-form').waitFor();
  await page.evaluate((values) => {
    const dom = globalThis as any; // the test compiles without the DOM library
    for (const [name, value] of Object.entries(values)) {
      const control = dom.document.querySelector(`form.score-form [name="${name}"]`);
      control.value = String(value);
      control.dispatchEvent(new dom.Event('input', { bubbles: true }));
      control.dispatchEvent(new dom.Event('change', { bubbles: true }));
    }
  }, features);
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json();
}

/** "79,6 %" (fr) or "79.6%" (en) as 79.6. */
const percentOnPage = (text: string) => Number(text.replace(/[\s\u202f\u00a0%]/g, '').replace(',', '.'));

async function downloaded(download: Download): Promise<string> {
  return readFileSync((await download.path())!, 'utf8');
}

describeIf(TEST_SETTINGS.browser, 'TEST_BROWSER=off', describeWithPostgres)('web console, ADMIN_API_KEYS unset (PostgreSQL, headless Chromium)', () => {
  let api: TestApp;
  const booted = useTestApp('postgres', { env: { CONSOLE_DIR: consoleDir, ADMIN_API_KEYS: undefined } });
  beforeAll(() => (api = booted()));

  it('is served at / while the API routes, their 404s and /docs stay as they were', async () => {
    const home = await fetch(`${api.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    const html = await home.text();
    expect(html).toContain('<div id="app">');
    const script = /src="(assets\/app-[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(`${api.url}/${script}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(html).not.toMatch(/https?:\/\//); // offline: nothing from a CDN
    const missing = await fetch(`${api.url}/no-such-route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await fetch(`${api.url}/predictions/999999`)).status).toBe(404);
    expect((await fetch(`${api.url}/docs`)).status).toBe(200);
    expect((await fetch(`${api.url}/model`)).status).toBe(200);
    expect(await (await fetch(`${api.url}/model-card.md`)).text()).toContain('## Fairness');
  });

  it.each([
    ['stayer', STAYER, /Pas de risque/],
    ['leaver', LEAVER, /Risque de départ/],
  ])('scores a known %s through the form: the probability shown is the API’s', async (name, row, decision) => {
    const opened = await open(`${api.url}/#/score`);
    const { page } = opened;
    await fillForm(page, row.features);
    await page.getByRole('button', { name: 'Évaluer le risque' }).click();
    const shown = await page.locator('#probability').textContent();
    const fromApi = await postJson(`${api.url}/predict`, { features: row.features });
    expect(percentOnPage(shown!)).toBe(Number((fromApi.probability * 100).toFixed(1)));
    expect(Math.abs(fromApi.probability - row.probability)).toBeLessThan(1e-9);
    await expect(page.locator('#decision').textContent()).resolves.toMatch(decision);
    // The reasons as bars, both ways, and the threshold on the gauge.
    expect(await page.locator('svg.bars rect.bar.pos').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.bars rect.bar.neg').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.gauge .gauge-threshold').count()).toBe(1);
    if (name === 'leaver') {
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'score');
    }
    await closeAll(opened);
  });

  it('checks the cross-field rules as the user types and shows a server 400 next to the field it names', async () => {
    const opened = await open(`${api.url}/#/score`);
    const { page } = opened;
    await fillForm(page, STAYER.features);
    const experience = page.locator('[name="annee_experience_totale"]');
    await experience.fill(String(Number(STAYER.features.age) - 13));
    await expect(page.locator('#f-annee_experience_totale-hint').textContent()).resolves.toMatch(/au plus Âge − 14/);
    await experience.fill(String(STAYER.features.annee_experience_totale));
    expect(await page.locator('#f-annee_experience_totale-hint').count()).toBe(0);

    await page.locator('[name="age"]').fill('75');
    await page.getByRole('button', { name: 'Évaluer le risque' }).click();
    await expect(page.locator('#f-age-server-error').textContent()).resolves.toContain('age must not be greater than 70');
    await expect(page.locator('#f-age').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.locator('.server-error').count()).toBe(1);
    expect(await page.locator('#probability').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await closeAll(opened);
  });

  it('pages through the history, shows a stored explanation, exports CSV and erases one input', async () => {
    await postJson(`${api.url}/predict/batch`, { items: parity.rows.slice(0, 25).map((r) => ({ features: r.features })) });
    const page1 = (await (await fetch(`${api.url}/predictions?limit=100`)).json()) as { items: { id: number }[] };
    const all = page1.items.map((i) => i.id);
    const opened = await open(`${api.url}/#/history`);
    const { page } = opened;
    const ids = async () => page.locator('table.history tbody tr').evaluateAll((rows) => rows.map((r: any) => Number(r.getAttribute('data-id'))));
    await page.locator('table.history tbody tr').first().waitFor();
    await page.getByLabel('Lignes par page').selectOption('10');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await page.getByText('Page 1', { exact: true }).waitFor();
    await expect(ids()).resolves.toEqual(all.slice(0, 10));
    await page.getByRole('button', { name: 'Page suivante' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    await expect(ids()).resolves.toEqual(all.slice(10, 20));
    await page.getByRole('button', { name: 'Page suivante' }).click();
    await page.getByText('Page 3', { exact: true }).waitFor();
    await expect(ids()).resolves.toEqual(all.slice(20, 25));
    expect(await page.getByRole('button', { name: 'Page suivante' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Page précédente' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    await expect(ids()).resolves.toEqual(all.slice(10, 20));

    const target = all[12];
    await page.getByRole('button', { name: `Détails de la prédiction n° ${target}` }).click();
    await page.locator('.details svg.bars').waitFor();
    expect(await page.locator('.details rect.bar').count()).toBeGreaterThan(0);
    await screenshot(page, 'history');
    expect(await seriousViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exporter en CSV' }).click()]);
    const csv = Papa.parse<Record<string, string>>(await downloaded(download), { header: true, skipEmptyLines: true });
    expect(csv.data).toHaveLength(25);

    const row = page.locator(`tr[data-id="${target}"]`);
    const inputId = Number(await row.getAttribute('data-input-id'));
    await page.getByRole('button', { name: `Effacer la saisie n° ${inputId}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Effacer ces données ?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Effacer définitivement' }).click();
    await page.getByText(`Saisie n° ${inputId} effacée.`).waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await fetch(`${api.url}/predictions/${target}`)).status).toBe(404);
    await expect(ids()).resolves.toEqual(all.slice(10, 21).filter((id: number) => id !== target));
    await closeAll(opened);
  });

  it('scores a 200-row CSV with two invalid rows: 198 scored rows and two row errors in the file', async () => {
    const rows: Record<string, number | string>[] = parity.rows.slice(0, 200).map((r, i) => ({ matricule: `E${1000 + i}`, ...r.features }));
    rows[17] = { ...rows[17], age: 'vieux' };
    rows[150] = { ...rows[150], age: 15 };
    const opened = await open(`${api.url}/#/bulk`);
    const { page } = opened;

    const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le modèle vide' }).click()]);
    expect((await downloaded(template)).trim().split(',')).toEqual(FEATURES);
    const sample = Papa.parse(await (await fetch(`${api.url}/sample.csv`)).text(), { header: true, skipEmptyLines: true });
    expect(sample.meta.fields).toEqual(FEATURES);
    expect(sample.data.length).toBeGreaterThan(0);

    await page.locator('#bulk-file').setInputFiles({ name: 'employees.csv', mimeType: 'text/csv', buffer: Buffer.from(Papa.unparse(rows)) });
    await page.getByRole('button', { name: 'Évaluer le fichier' }).click();
    await page.getByText('198 lignes évaluées, 2 en erreur.').waitFor({ timeout: 90_000 });
    const errorLines = await page.locator('table.row-errors tbody tr td:first-child').allTextContents();
    expect(errorLines).toEqual(['19', '152']);
    await screenshot(page, 'bulk');
    expect(await seriousViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le fichier évalué' }).click()]);
    const scored = Papa.parse<Record<string, string>>(await downloaded(download), { header: true, skipEmptyLines: true });
    expect(scored.meta.fields).toEqual(['matricule', ...FEATURES, 'id', 'probability', 'prediction', 'error']);
    expect(scored.data).toHaveLength(200);
    const failed = scored.data.flatMap((r, i) => (r.error ? [i] : []));
    expect(failed).toEqual([17, 150]);
    expect(scored.data[17].error).toMatch(/age/);
    expect(scored.data[17].probability).toBe('');
    scored.data.forEach((r, i) => {
      if (failed.includes(i)) return;
      expect(r.matricule).toBe(`E${1000 + i}`);
      expect(Math.abs(Number(r.probability) - parity.rows[i].probability)).toBeLessThan(1e-9);
      expect(Number(r.prediction)).toBe(parity.rows[i].label);
      expect(Number(r.id)).toBeGreaterThan(0);
    });
    expect(await countRows(api.dataSource)).toEqual({ inputs: 198, outputs: 198 });
    await closeAll(opened);
  });

  it('shows the model: version, metrics, calibration, fairness table, and the live monitoring reports', async () => {
    const opened = await open(`${api.url}/#/model`);
    const { page } = opened;
    await expect(page.locator('#model-version').textContent()).resolves.toBe(contract.model.version);
    await page.locator('table.fairness tbody tr').first().waitFor();
    expect(await page.locator('table.fairness tbody tr').count()).toBe(6);
    expect(await page.locator('svg.reliability circle.point').count()).toBe(10);
    // The live reports answer from GET /model/performance, /drift and /fairness; no outcomes yet.
    await page.locator('section.live[data-state="available"]').nth(2).waitFor();
    await expect(page.locator('section.live:has(#live-performance)').textContent()).resolves.toContain('insufficient_data');
    await screenshot(page, 'model');
    expect(await seriousViolations(page)).toEqual([]);
    await closeAll(opened);
  });

  it('switches between French and English, feature labels included; the skip link works from the keyboard', async () => {
    const opened = await open(`${api.url}/#/score`);
    const { page } = opened;
    await page.getByRole('link', { name: 'Évaluer' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement.className')).resolves.toBe('skip');
    await page.keyboard.press('Enter');
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('main');
    expect(page.url()).toMatch(/#\/score$/);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
    await expect(page.locator('label[for="f-age"]').textContent()).resolves.toContain('Âge');
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('link', { name: 'Score' }).waitFor();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(page.locator('label[for="f-age"]').textContent()).resolves.toContain('Age in years');
    await expect(page.getByRole('button', { name: 'Score the risk' }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Passer en français' }).click();
    await page.getByRole('link', { name: 'Évaluer' }).waitFor();
    await closeAll(opened);
  });
});

describeIf(TEST_SETTINGS.browser, 'TEST_BROWSER=off')('web console, ADMIN_API_KEYS set (SQLite, headless Chromium)', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { CONSOLE_DIR: consoleDir, ADMIN_API_KEYS: ADMIN_KEY } });
  beforeAll(() => (api = booted()));

  it('asks for the admin key once on a 401, keeps it in sessionStorage only, and erases with it', async () => {
    await postJson(`${api.url}/predict/batch`, { items: parity.rows.slice(0, 3).map((r) => ({ features: r.features })) });
    const opened = await open(`${api.url}/#/history`);
    const { page } = opened;
    const keyDialog = page.getByRole('dialog', { name: 'Clé d’administration' });
    await keyDialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await keyDialog.getByLabel('Clé').fill('wrong-key-000000000000');
    await keyDialog.getByRole('button', { name: 'Valider' }).click();
    await keyDialog.getByText('Clé refusée. Réessayez.').waitFor();
    await keyDialog.getByLabel('Clé').fill(ADMIN_KEY);
    await keyDialog.getByRole('button', { name: 'Valider' }).click();
    await page.locator('table.history tbody tr').nth(2).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('attrition.adminKey')")).toBe(ADMIN_KEY);
    expect(await page.evaluate('JSON.stringify({ ...localStorage })')).not.toContain(ADMIN_KEY);

    // Asked once: other pages, a reload and an erasure go through without asking again.
    await page.getByRole('link', { name: 'Évaluer' }).click();
    await page.getByRole('link', { name: 'Historique' }).click();
    await page.reload();
    const row = page.locator('table.history tbody tr').first();
    await row.waitFor();
    const inputId = Number(await row.getAttribute('data-input-id'));
    await page.getByRole('button', { name: `Effacer la saisie n° ${inputId}` }).click();
    await page.getByRole('dialog', { name: 'Effacer ces données ?' }).getByRole('button', { name: 'Effacer définitivement' }).click();
    await page.getByText(`Saisie n° ${inputId} effacée.`).waitFor();
    expect(await keyDialog.isVisible()).toBe(false);
    expect(await countRows(api.dataSource)).toEqual({ inputs: 2, outputs: 2 });
    await closeAll(opened);

    // Another tab has no key: asked again; without one the page says why it shows nothing.
    const other = await open(`${api.url}/#/history`);
    await other.page.getByRole('dialog', { name: 'Clé d’administration' }).getByRole('button', { name: 'Annuler' }).click();
    await other.page.getByText('Une clé d’administration est nécessaire pour voir ces données.').waitFor();
    await closeAll(other);
  });
});
