import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let provider: NodeTracerProvider | undefined;

/** Whether startTracing registered a tracer provider in this process. */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** The OTLP endpoint the traces go to, if any (OpenTelemetry's own variables). */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

/**
 * Starts the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set, or
 * when given an exporter (tests): AsyncLocalStorage context, W3C traceparent propagation, spans
 * batched to OTLP over HTTP (the exporter reads the other OTEL_EXPORTER_OTLP_* variables). Without
 * either, nothing is started: the API's tracer stays the no-op one and no span is created.
 * Called once per process before the app is created (main.ts), in every cluster worker.
 */
export function startTracing(options: { exporter?: SpanExporter; env?: NodeJS.ProcessEnv } = {}): boolean {
  if (provider) return true;
  const env = options.env ?? process.env;
  if (!options.exporter && !otlpTracesEndpoint(env)) return false;
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'attrition-service' })),
    spanProcessors: [processor],
  });
  provider.register();
  return true;
}

/** Sends the spans still buffered and unregisters the SDK (at exit; tests between apps). */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  if (!stopping) return;
  await stopping.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Fields that put a log line on its trace, when a span is active. */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
