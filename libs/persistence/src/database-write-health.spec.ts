import { DataSource } from 'typeorm';
import { DatabaseWriteHealth } from './database-write-health';

describe('DatabaseWriteHealth', () => {
  const sqlite = { options: { type: 'better-sqlite3' } } as DataSource;

  it('reports a write refusal (disk full) until a write succeeds; an outage or a bad value is not a refusal', async () => {
    // Arrange
    const health = new DatabaseWriteHealth(sqlite);
    // Act / Assert
    health.noteWrite(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    health.noteWrite(Object.assign(new Error('CHECK constraint failed'), { code: 'SQLITE_CONSTRAINT_CHECK' }));
    await expect(health.refusal()).resolves.toBeUndefined();
    health.noteWrite(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    await expect(health.refusal()).resolves.toBe('writes refused (code SQLITE_FULL)');
    health.noteWrite();
    await expect(health.refusal()).resolves.toBeUndefined();
  });
});
