// A replica reduced to its persistence start-up (connect, migrate, open the writer's connection),
// run as a child process by test/concurrent-migrations.e2e-spec.ts: the same path as the app's
// start-up, without loading the model, so that several start quickly on a shared machine.
import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PersistenceModule } from '@app/persistence';

@Module({
  imports: [PersistenceModule.forRootAsync({ useFactory: () => ({ url: process.env.DATABASE_URL, retryAttempts: 3 }) })],
})
class ReplicaModule {}

NestFactory.createApplicationContext(ReplicaModule, { logger: ['log', 'warn', 'error', 'fatal'] })
  .then(async (context) => {
    Logger.log('Replica ready', 'Replica');
    await context.close();
  })
  .catch((error: Error) => {
    console.error(`Start-up failed: ${error.message}`);
    process.exit(1);
  });
