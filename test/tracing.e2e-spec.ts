import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { LOG_DESTINATION } from '../apps/api/src/logging/logging';
import { startTracing, stopTracing } from '../apps/api/src/tracing/tracing';
import { bootApp, databaseFor, DatabaseUnderTest, TestApp } from './support/app';
import { LogSink } from './support/log-sink';
import { describeOn } from './support/test-settings';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
/** A value no log line, span name or attribute may hold (it is sent as a category label). */
const SENTINEL = 'Sentinel-Poste-3f9c';

for (const driver of ['sqlite', 'postgres'] as const) {
  describeOn(driver)(`traces of POST /predict on ${driver}`, () => {
    const exporter = new InMemorySpanExporter();
    const sink = new LogSink();
    let database: DatabaseUnderTest | undefined;
    let api: TestApp | undefined;

    beforeAll(async () => {
      startTracing({ exporter });
      database = await databaseFor(driver);
      api = await bootApp({ ...database.env, LOG_LEVEL: undefined }, (b) => b.overrideProvider(LOG_DESTINATION).useValue(sink));
    });
    afterAll(async () => {
      await api?.close();
      await database?.drop();
      await stopTracing();
    });

    it('continues the caller\'s trace: the server span is the child of its traceparent, validation, inference and persistence are children of the server span', async () => {
      exporter.reset();
      // Act
      await request(api!.url)
        .post('/predict')
        .set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`)
        .set('X-Request-Id', 'traced-0001')
        .send({ features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, poste: SENTINEL } })
        .expect(200);

      // Assert
      const spans = await finishedSpans(exporter, 4);
      const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
      expect(server).toBeDefined();
      expect(server.name).toBe('POST /predict');
      expect(server.spanContext().traceId).toBe(TRACE_ID);
      expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
      expect(server.attributes).toMatchObject({ 'http.route': '/predict', 'http.response.status_code': 200, request_id: 'traced-0001' });
      const children = Object.fromEntries(spans.filter((s) => s !== server).map((s) => [s.name, s]));
      expect(Object.keys(children).sort()).toEqual(['inference', 'persistence', 'validation']);
      for (const child of Object.values(children)) {
        expect(child.spanContext().traceId).toBe(TRACE_ID);
        expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      }
      expect(children.persistence.attributes['db.system.name']).toBe(driver === 'sqlite' ? 'sqlite' : 'postgresql');
      // Nothing personal in the spans.
      expect(JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))).not.toContain(SENTINEL);
      // The access line is on the same trace.
      const [access] = sink.forRequest('traced-0001').filter((line) => line.msg === 'request completed');
      expect(access).toMatchObject({ trace_id: TRACE_ID, span_id: server.spanContext().spanId, status: 200 });
      expect(JSON.stringify(sink.lines)).not.toContain(SENTINEL);
    });

    it('starts a new trace without a traceparent, and marks a validation failure by its error class only', async () => {
      exporter.reset();
      await request(api!.url).post('/predict').send({ features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, age: 7, poste: SENTINEL } }).expect(400);
      const spans = await finishedSpans(exporter, 2);
      const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
      const validation = spans.find((s) => s.name === 'validation')!;
      expect(server.parentSpanContext).toBeUndefined();
      expect(server.spanContext().traceId).not.toBe(TRACE_ID);
      expect(validation.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(validation.attributes['error.type']).toBe('FeatureValidationError');
      expect(spans.map((s) => s.name)).not.toContain('inference');
      expect(JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]))).not.toContain(SENTINEL);
    });
  });
}

/** The spans exported once at least `count` have ended (the server span ends after the answer is sent). */
async function finishedSpans(exporter: InMemorySpanExporter, count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++) await new Promise((r) => setTimeout(r, 20));
  return exporter.getFinishedSpans();
}
