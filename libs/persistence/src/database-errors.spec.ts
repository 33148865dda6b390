import { QueryFailedError } from 'typeorm';
import { isUnavailable, translateDatabaseError } from './database-errors';
import { DatabaseUnavailableError } from './persistence.errors';

describe('isUnavailable', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['server shutting down', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['connection exception class', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    ['sqlite busy', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })],
    ['wrapped by TypeORM', new QueryFailedError('SELECT 1', [], Object.assign(new Error('x'), { code: '57P03' }))],
  ])('%s: unavailable', (_, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['check violation', Object.assign(new Error('violates check constraint'), { code: '23514' })],
    ['syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['sqlite constraint', Object.assign(new Error('CHECK constraint failed'), { code: 'SQLITE_CONSTRAINT_CHECK' })],
    ['not an error', 'boom'],
  ])('%s: a bug, not an outage', (_, error) => {
    expect(isUnavailable(error)).toBe(false);
  });
});

describe('translateDatabaseError', () => {
  it('turns an outage into DatabaseUnavailableError and keeps the cause', () => {
    const cause = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(() => translateDatabaseError(cause)).toThrow(DatabaseUnavailableError);
  });

  it('rethrows anything else unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(() => translateDatabaseError(bug)).toThrow(bug);
  });
});
