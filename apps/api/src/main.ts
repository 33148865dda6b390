import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AllConfig } from './config';
import { workerCount } from './config/workers.config';
import { NEST_APP_OPTIONS, setupApp } from './setup-app';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, NEST_APP_OPTIONS);
  setupApp(app);
  const { port, host } = app.get<ConfigService<AllConfig, true>>(ConfigService).getOrThrow('app', { infer: true });
  await app.listen(port, host);
  Logger.log(`Listening on http://${host}:${port} (Swagger UI at /docs)`, 'Bootstrap');
}

function fail(error: Error): never {
  // A missing model, a bad environment or an unreachable database ends here: say why, exit non-zero.
  Logger.flush();
  console.error(`Start-up failed: ${error.message}`);
  process.exit(1);
}

/**
 * WORKERS > 1 forks that many processes sharing the port (node:cluster). The first one starts
 * alone, so that it alone applies pending migrations; the others follow once it listens. A
 * worker that dies after start-up is replaced; one that cannot start stops the whole service.
 */
function supervise(workers: number): void {
  const logger = new Logger('Cluster');
  let started = 0;
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      started++;
      if (started === 1) for (let i = 1; i < workers; i++) fork();
    });
    worker.once('exit', (code) => {
      if (started < workers) {
        logger.error(`A worker failed to start (exit code ${code}); stopping`);
        process.exit(1);
      }
      logger.warn(`Worker ${worker.process.pid} exited with code ${code}; starting another`);
      fork();
    });
  };
  fork();
}

try {
  const workers = workerCount();
  if (workers > 1 && cluster.isPrimary) supervise(workers);
  else bootstrap().catch(fail);
} catch (error) {
  fail(error as Error);
}
