import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { ChildApp, describeBuiltApp, sleep, startBuiltApp } from './support/child-app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { createTestDatabase, TestDatabase } from './support/postgres';

/** One request on a connection of its own (no keep-alive), so the kernel may hand it to either worker. */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The value of one sample of the scrape (`name{labels} value`), 0 when absent. */
function sample(scrape: string, series: string): number {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describeBuiltApp(describeWithPostgres)('/metrics with WORKERS=2 (the built app, real HTTP, PostgreSQL)', () => {
  let database: TestDatabase | undefined;
  let app: ChildApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startBuiltApp({ DATABASE_URL: database.url, WORKERS: '2', LOG_LEVEL: 'log' });
    await app.listening(2);
  }, 240_000);
  afterAll(async () => {
    app?.kill();
    await database?.drop();
  });

  it('sums the requests served by both workers in one scrape, whichever worker answers it', async () => {
    // Act: predictions on fresh connections until both workers have served some (each logs its pid).
    const workerOf = new Map<string, number>();
    let sent = 0;
    for (let round = 0; round < 20 && new Set(workerOf.values()).size < 2; round++) {
      const ids = Array.from({ length: 8 }, () => `cluster-${sent++}`);
      const answers = await Promise.all(ids.map((id) => call(app!.port, 'POST', '/predict', { 'x-request-id': id }, { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE })));
      expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
      // The access lines are written asynchronously: wait for this round's.
      for (let wait = 0; wait < 100 && workerOf.size < sent; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        for (const line of app!.output().split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { request_id?: string; msg?: string; pid?: number };
          if (entry.msg === 'request completed' && entry.request_id?.startsWith('cluster-')) workerOf.set(entry.request_id, entry.pid!);
        }
      }
    }
    expect(new Set(workerOf.values()).size).toBe(2);
    expect(workerOf.size).toBe(sent);

    // Assert: two scrapes (likely answered by different workers) both count every prediction.
    for (let i = 0; i < 2; i++) {
      const scrape = await call(app!.port, 'GET', '/metrics');
      expect(scrape.status).toBe(200);
      const text = scrape.text;
      expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/predict",status="200"}')).toBe(sent);
      // Each worker scored one warm-up row at start-up, then every prediction once.
      expect(sample(text, 'attrition_inference_batch_size_sum')).toBe(sent + 2);
      expect(sample(text, 'attrition_group_commit_batch_size_sum')).toBe(sent);
      expect(sample(text, 'attrition_db_write_duration_seconds_count{outcome="committed"}')).toBeGreaterThan(0);
      expect(sample(text, 'attrition_db_pool_waiting_clients')).toBe(0);
      // The same model in every worker: 1, not the number of workers.
      expect(text).toMatch(/^attrition_model_info\{name="[^"]+",version="[^"]+",sha256="[0-9a-f]{64}"\} 1$/m);
      expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(text).toContain('nodejs_eventloop_lag_seconds');
    }
  });
});

describeBuiltApp()('traces sent by OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the built app, a stand-in collector)', () => {
  const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
  let collector: Server | undefined;
  const received: string[] = [];
  let app: ChildApp | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector!.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    dir = mkdtempSync(join(tmpdir(), 'attrition-otlp-'));
    app = await startBuiltApp({ SQLITE_PATH: join(dir, 'a.sqlite'), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'attrition-under-test' });
    await app.listening(1);
  }, 120_000);
  afterAll(async () => {
    app?.kill();
    await new Promise((resolve) => collector?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("exports the request's spans on the caller's trace to /v1/traces, the rest on SIGTERM at the latest", async () => {
    const answer = await call(app!.port, 'POST', '/predict', { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` }, { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE });
    expect(answer.status).toBe(200);
    process.kill(app!.pid, 'SIGTERM');
    await app!.exited;
    for (let i = 0; i < 40 && !received.some((r) => r.includes(TRACE_ID)); i++) await sleep(50);
    const exports = received.join('\n');
    expect(received[0]).toMatch(/^POST \/v1\/traces application\/json /);
    expect(exports).toContain(TRACE_ID);
    for (const name of ['POST /predict', 'validation', 'inference', 'persistence']) expect(exports).toContain(`"name":"${name}"`);
    expect(exports).toContain('attrition-under-test');
  });
});
