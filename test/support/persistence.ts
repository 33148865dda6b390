import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { PersistenceModule, PredictionLogRepository } from '@app/persistence';
import { DatabaseUnderTest, databaseFor, Driver } from './app';

export interface PersistenceUnderTest {
  repository: PredictionLogRepository;
  dataSource: DataSource;
}

/**
 * Registers the hooks of one test file: a fresh, migrated database of `driver` behind
 * PersistenceModule alone (no HTTP, no model), removed at the end. Valid from the first test on.
 */
export function usePersistence(driver: Driver): () => PersistenceUnderTest {
  let database: DatabaseUnderTest | undefined;
  let context: INestApplicationContext | undefined;
  beforeAll(async () => {
    database = await databaseFor(driver);
    const { DATABASE_URL: url, SQLITE_PATH: sqlitePath } = database.env;
    const moduleRef = await Test.createTestingModule({
      imports: [PersistenceModule.forRootAsync({ useFactory: () => ({ url, sqlitePath, retryAttempts: 1 }) })],
    }).compile();
    context = await moduleRef.init();
  });
  afterAll(async () => {
    await context?.close();
    await database?.drop();
  });
  return () => ({ repository: context!.get(PredictionLogRepository), dataSource: context!.get(DataSource) });
}
