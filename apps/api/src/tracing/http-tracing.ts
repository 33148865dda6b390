import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { TRACER_NAME, withSpan } from '@app/common';
import { matchedRoute } from '../http/matched-route';
import { requestIdOf } from '@app/common';

/**
 * The server span of each request, a child of the caller's span when the request carries a W3C
 * `traceparent`. Installed first (setupApp), only when tracing is on. The request's and the
 * response's event listeners are bound to the span's context, so that the middlewares resumed by
 * stream events (the body parser) and the access log line still see it.
 */
export function httpTracing() {
  const tracer = trace.getTracer(TRACER_NAME);
  return (request: Request, response: Response, next: NextFunction): void => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method } }, parent);
    const active = trace.setSpan(parent, span);
    context.bind(active, request);
    context.bind(active, response);
    response.once('close', () => {
      const route = matchedRoute(request);
      span.updateName(`${request.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': response.statusCode });
      const id = requestIdOf(request);
      if (id) span.setAttribute('request_id', id);
      if (response.statusCode >= 500 || !response.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(active, next);
  };
}

/** A pipe whose work on request bodies is traced as the `validation` span. */
export function tracedBodyPipe(pipe: PipeTransform): PipeTransform {
  return {
    transform: (value: unknown, metadata: ArgumentMetadata) =>
      metadata.type === 'body' ? withSpan('validation', () => pipe.transform(value, metadata)) : pipe.transform(value, metadata),
  };
}
