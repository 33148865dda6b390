import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { countRows, TestApp, useTestApp } from './support/app';
import { itIf, TEST_SETTINGS } from './support/test-settings';

const ROOT = join(__dirname, '..');
/**
 * Generous next to the < 100 ms measured, and on the 99th percentile rather than the maximum: the
 * machine running the tests is shared and noisy (single probes took up to 0.8 s under a load
 * average of 13), while a stall shows in most probes (2.3-2.9 s each without the fixes).
 */
const P99_PROBE_MS = 1000;

/** Probes GET /health/live from another process until `stop`; resolves with the latencies (ms). */
function probeLiveness(url: string): { stop(): Promise<number[]> } {
  const child = spawn(process.execPath, [join(__dirname, 'support/latency-probe.js'), `${url}/health/live`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    async stop() {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
      return JSON.parse(output) as number[];
    },
  };
}

/** Prints the figures for the report; returns the 99th percentile. */
function describeLatencies(label: string, latencies: number[], extra: string): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  process.stdout.write(
    `[sqlite ${label}] /health/live probes ${sorted.length}: p50 ${at(0.5).toFixed(1)} ms, ` +
      `p99 ${at(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; ${extra}\n`,
  );
  return at(0.99);
}

describe('embedded database: no event-loop stalls', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { truncate: false });
  beforeAll(() => (api = booted()));

  itIf(TEST_SETTINGS.volume, 'TEST_VOLUME=off')(`GET /health/live answers during a ${TEST_SETTINGS.exportRows}-row CSV export`, async () => {
    // 100,000 rows (TEST_EXPORT_ROWS)
    const total = TEST_SETTINGS.exportRows;
    // Arrange
    const features = JSON.stringify(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
    await api.dataSource.query(
      `WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < ?) INSERT INTO model_inputs (features) SELECT ? FROM s`,
      [total, features],
    );
    await api.dataSource.query(
      `INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version)
       SELECT id, (id % 2), (id % 100) / 100.0, 0.32, '1.0.0' FROM model_inputs`,
    );
    const probe = probeLiveness(api.url);
    // Act
    const started = performance.now();
    const lines = await new Promise<number>((resolve, reject) => {
      get(`${api.url}/predictions/export.csv`, (res) => {
        let count = 0;
        res.on('data', (chunk: Buffer) => {
          for (const byte of chunk) if (byte === 10) count++;
        });
        res.on('end', () => resolve(count));
        res.on('error', reject);
      }).on('error', reject);
    });
    const exportMs = performance.now() - started;
    const latencies = await probe.stop();
    // Assert
    const p99 = describeLatencies('export', latencies, `export of ${total} rows took ${exportMs.toFixed(0)} ms`);
    expect(lines).toBe(total + 1);
    expect(latencies).not.toContain(-1);
    expect(p99).toBeLessThan(P99_PROBE_MS);
  }, 120_000);

  it('writes wait for a lock held by another process without blocking GET /health/live', async () => {
    // Arrange: another process takes the write lock for 2.5 s
    const before = await countRows(api.dataSource);
    const holder: ChildProcess = spawn(
      process.execPath,
      [join(__dirname, 'support/sqlite-lock-holder.js'), String(api.dataSource.options.database), '2500'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const released = once(holder, 'exit');
    await once(holder.stdout!, 'data');
    const probe = probeLiveness(api.url);
    // Act
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY })),
    );
    const waitedMs = Date.now() - started;
    const latencies = await probe.stop();
    await released;
    // Assert: the writes waited for the lock, then were stored; liveness answered meanwhile
    const p99 = describeLatencies('write lock', latencies, `5 writes waited ${waitedMs} ms for a 2,500 ms lock`);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(waitedMs).toBeGreaterThanOrEqual(2000);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: before.inputs + 5, outputs: before.outputs + 5 });
    expect(latencies).not.toContain(-1);
    expect(p99).toBeLessThan(P99_PROBE_MS);
  }, 60_000);
});
