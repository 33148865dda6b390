import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Response } from 'express';
import { AllConfig } from '../config';

/** The public model card, which the console's Model page reads its training-time fairness table from. */
const MODEL_CARD_PATH = '/model-card.md';

/**
 * Serves the HR web console (apps/console, built to `console.dir`) at `/`, and the model card of
 * the served model at {@link MODEL_CARD_PATH}. Static files are looked up before the API routes
 * and fall through when absent, so API paths and their 404s are untouched. The console holds no
 * personal data: the pages fetch it from the guarded API endpoints.
 */
export function serveConsole(app: NestExpressApplication): void {
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const dir = config.getOrThrow('console.dir', { infer: true });
  const modelCard = join(config.getOrThrow('inference.modelDir', { infer: true }), 'MODEL_CARD.md');
  app.use(MODEL_CARD_PATH, (req: { method: string }, res: Response, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.type('text/markdown; charset=utf-8');
    res.sendFile(modelCard, (error) => error && !res.headersSent && res.status(404).end());
  });
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Console').log(`No web console at ${dir} (run npm run build): serving the API only`);
    return;
  }
  app.useStaticAssets(dir, {
    index: 'index.html',
    redirect: false,
    // File names under assets/ carry a content hash; index.html must always be revalidated.
    setHeaders: (res, path) =>
      res.setHeader('Cache-Control', path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
}
