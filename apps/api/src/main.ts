import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AllConfig } from './config';
import { shutdownTimeoutMs } from './config/shutdown.config';
import { workerCount } from './config/workers.config';
import { supervise } from './lifecycle/cluster-supervisor';
import { GracefulShutdown } from './lifecycle/graceful-shutdown';
import { installShutdownTriggers } from './lifecycle/shutdown-triggers';
import { standaloneLogger } from './logging/logging';
import { answerMetricsCollections, isClusterWorker } from './metrics/cluster-metrics';
import { NEST_APP_OPTIONS, setupApp } from './setup-app';
import { startTracing } from './tracing/tracing';

async function bootstrap(timeoutMs: number): Promise<void> {
  const attach = installShutdownTriggers();
  // Before the app exists, so that its spans have a provider (nothing is started without OTLP).
  startTracing();
  if (isClusterWorker()) answerMetricsCollections();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, NEST_APP_OPTIONS);
  setupApp(app);
  // Before listening, so that every connection is tracked for the drain.
  const shutdown = new GracefulShutdown(app, timeoutMs);
  const { port, host } = app.get<ConfigService<AllConfig, true>>(ConfigService).getOrThrow('app', { infer: true });
  await app.listen(port, host);
  attach(shutdown);
  Logger.log(`Listening on http://${host}:${port} (Swagger UI at /docs)`, 'Bootstrap');
}

function fail(error: Error): never {
  // A missing model, a bad environment or an unreachable database ends here: say why, exit non-zero.
  Logger.flush();
  console.error(`Start-up failed: ${error.message}`);
  process.exit(1);
}

try {
  const workers = workerCount();
  const timeoutMs = shutdownTimeoutMs();
  if (workers > 1 && cluster.isPrimary) {
    Logger.overrideLogger(standaloneLogger());
    supervise(workers, timeoutMs);
  } else bootstrap(timeoutMs).catch(fail);
} catch (error) {
  fail(error as Error);
}
