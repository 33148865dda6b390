import request from 'supertest';
import { TestApp, useTestApp } from './support/app';

/** 2^53 + 1: sixteen digits, but no JavaScript number holds it (it would read as 2^53). */
const UNSAFE_ID = '9007199254740993';

describe('path ids beyond the safe integers', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite');
  beforeAll(() => (api = booted()));

  it.each([
    ['GET', `/predictions/${UNSAFE_ID}`],
    ['DELETE', `/inputs/${UNSAFE_ID}`],
  ])('%s %s is a 400 naming the id, not a lookup of a rounded id', async (method, path) => {
    // Act
    const response = await request(api.url)[method === 'GET' ? 'get' : 'delete'](path);

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, errors: [expect.objectContaining({ feature: 'id' })] });
  });
});
