import { ConsoleLogger, NestApplicationOptions } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { RequestValidator } from '@app/validation';
import { AllConfig, enabledLogLevels } from './config';
import { DomainErrorFilter } from './http/domain-error.filter';
import { rewrapJsonSyntaxError } from './http/malformed-json.error';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { setupSwagger } from './swagger';

/** Options for NestFactory.create and Test's createNestApplication alike. */
export const NEST_APP_OPTIONS: NestApplicationOptions = {
  // Our own JSON parser (with its size limit) is registered in setupApp.
  bodyParser: false,
  // Let main.ts report a failed boot and exit non-zero instead of aborting the process.
  abortOnError: false,
  bufferLogs: true,
};

/** Everything main.ts applies to the app, shared with the tests so that both run the same stack. */
export function setupApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const settings = config.getOrThrow('app', { infer: true });
  app.useLogger(
    new ConsoleLogger({ logLevels: enabledLogLevels(settings.logLevel), json: settings.logFormat === 'json' }),
  );
  // Every answer is unique (ids), so an ETag is a wasted hash per response; the header leaks the stack.
  app.set('etag', false);
  app.disable('x-powered-by');
  // First, so that requests the body parsers reject (413, malformed JSON) are timed too.
  const httpMetrics = app.get(HttpMetricsMiddleware);
  app.use(httpMetrics.use.bind(httpMetrics));
  // Batches get their own, larger limit; the general parser then skips the already-parsed body.
  app.use('/predict/batch', json({ limit: settings.batchBodyLimit }));
  app.useBodyParser('json', { limit: settings.bodyLimit });
  app.use(rewrapJsonSyntaxError);
  app.useGlobalPipes(app.get(RequestValidator).pipe);
  app.useGlobalFilters(new DomainErrorFilter());
  setupSwagger(app);
  return app;
}
