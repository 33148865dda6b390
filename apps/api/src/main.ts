import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AllConfig } from './config';
import { NEST_APP_OPTIONS, setupApp } from './setup-app';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, NEST_APP_OPTIONS);
  setupApp(app);
  const { port, host } = app.get<ConfigService<AllConfig, true>>(ConfigService).getOrThrow('app', { infer: true });
  await app.listen(port, host);
  Logger.log(`Listening on http://${host}:${port} (Swagger UI at /docs)`, 'Bootstrap');
}

bootstrap().catch((error: Error) => {
  // A missing model, a bad environment or an unreachable database ends here: say why, exit non-zero.
  Logger.flush();
  console.error(`Start-up failed: ${error.message}`);
  process.exit(1);
});
