import { Attributes, SpanStatusCode, trace } from '@opentelemetry/api';

/** The name our spans are created under (OpenTelemetry's instrumentation scope). */
export const TRACER_NAME = 'attrition-service';

/**
 * Runs `work` inside a child span of the active span, ended when its result settles. Without a
 * recording parent (tracing off: no SDK, so no span is ever active; or a request not sampled) it
 * just runs `work`: no span object, no extra promise. Attributes must never hold feature values;
 * a failure is recorded by its error class only (messages can quote what a client sent).
 */
export function withSpan<T>(name: string, work: () => T, attributes?: Attributes): T {
  if (!trace.getActiveSpan()?.isRecording()) return work();
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, (span) => {
    const fail = (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', error instanceof Error ? error.constructor.name : typeof error);
      span.end();
    };
    try {
      const result = work();
      if (!(result instanceof Promise)) {
        span.end();
        return result;
      }
      return result.then(
        (value: unknown) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(error);
          throw error;
        },
      ) as T;
    } catch (error) {
      fail(error);
      throw error;
    }
  });
}
