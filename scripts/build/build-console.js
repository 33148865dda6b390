// Builds the HR web console (apps/console) into a static folder that apps/api serves at `/`.
// CommonJS and plain JavaScript so that it runs at `npm install` time (postinstall) without ts-node,
// and so that the browser tests can build a fresh copy: `require('../scripts/build/build-console')`.
// Usage: node scripts/build/build-console.js [outDir]   (default dist/console)
'use strict';
const { readFileSync, rmSync, writeFileSync, existsSync } = require('node:fs');
const { basename, join, resolve } = require('node:path');
const { gzipSync } = require('node:zlib');

const root = resolve(__dirname, '..', '..');
const source = join(root, 'apps/console');

/** Writes index.html, hashed assets and sample.csv to `outDir`; resolves with sizes and build time. */
async function buildConsole(outDir = join(root, 'dist/console')) {
  const started = process.hrtime.bigint();
  const esbuild = require('esbuild');
  const Papa = require('papaparse');
  rmSync(outDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root, // metafile paths below are relative to it
    entryPoints: { app: join(source, 'src/main.tsx') },
    outdir: outDir,
    entryNames: 'assets/[name]-[hash]',
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(root, p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  const html = readFileSync(join(source, 'index.html'), 'utf8')
    .replace('%APP_JS%', `assets/${basename(js)}`)
    .replace('%APP_CSS%', `assets/${basename(css)}`);
  writeFileSync(join(outDir, 'index.html'), html);
  // A sample upload for the Bulk page: rows of the public training data set, as clients send them.
  const contract = JSON.parse(readFileSync(join(root, 'models/attrition/contract.json'), 'utf8'));
  const parity = JSON.parse(readFileSync(join(root, 'models/attrition/parity.json'), 'utf8'));
  const columns = contract.features.map((f) => f.name);
  writeFileSync(join(outDir, 'sample.csv'), Papa.unparse(parity.rows.slice(0, 20).map((r) => r.features), { columns }));
  const size = (p) => ({ bytes: readFileSync(p).length, gzip: gzipSync(readFileSync(p)).length });
  return { outDir, js: size(js), css: size(css), ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

module.exports = { buildConsole };

if (require.main === module) {
  if (!existsSync(join(source, 'src/main.tsx'))) {
    // `npm ci` in the Dockerfile runs before the sources are copied; `npm run build` builds it later.
    console.log('build-console: no apps/console sources yet, skipped');
    process.exit(0);
  }
  try {
    require.resolve('esbuild');
  } catch {
    console.log('build-console: esbuild is not installed (production-only install), skipped');
    process.exit(0);
  }
  buildConsole(resolve(process.argv[2] ?? join(root, 'dist/console'))).then(
    (r) =>
      console.log(
        `build-console: ${r.outDir} in ${r.ms.toFixed(0)} ms; app.js ${r.js.bytes} B (${r.js.gzip} B gzip), ` +
          `app.css ${r.css.bytes} B (${r.css.gzip} B gzip)`,
      ),
    (error) => {
      console.error(`build-console failed: ${error.message}`);
      process.exit(1);
    },
  );
}
