import { Inject, Injectable, Module } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { NextFunction, Request, Response } from 'express';
import { Logger as PinoLogger } from 'pino';
import { Histogram } from 'prom-client';
import { assignRequestId } from '@app/common';
import { LoggingModule, ROOT_LOGGER } from '../logging/logging';
import { HTTP_DURATION, MetricsModule } from '../metrics/metrics.module';
import { matchedRoute } from './matched-route';

/**
 * The first middleware of every request: gives it its id (X-Request-Id, see assignRequestId) and,
 * once its answer is sent or the client goes away, writes its access line and times it in
 * `http_request_duration_seconds`, from one listener and one clock reading.
 *
 * The access line: method, matched route, status, duration and request id; never the URL's query,
 * a header or a body. Written here rather than with pino-http: pino-http builds a child logger per
 * request for its serialisers even when told to stay quiet, and cost about 3 times as much CPU per
 * request (scripts/bench/log-line-cost.js). Requests that match no route (404s, bodies refused before
 * routing) share route="unmatched", so clients cannot grow the label set of the histogram.
 */
@Injectable()
export class RequestObserver {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: PinoLogger,
    @InjectMetric(HTTP_DURATION) private readonly duration: Histogram<'method' | 'route' | 'status'>,
  ) {}

  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    const id = assignRequestId(request, response);
    const done = () => {
      response.off('finish', done);
      response.off('close', done);
      const seconds = (performance.now() - started) / 1000;
      const route = matchedRoute(request);
      const status = response.statusCode;
      // A request whose client went away before its answer is logged, not timed as answered.
      if (response.writableFinished) this.duration.observe({ method: request.method, route, status: String(status) }, seconds);
      const level = status >= 500 ? 'error' : 'info';
      if (!this.logger.isLevelEnabled(level)) return;
      this.logger[level](
        {
          request_id: id,
          method: request.method,
          route,
          status,
          duration_ms: Math.round(seconds * 1e4) / 10,
          ...(response.writableFinished ? {} : { aborted: true }),
        },
        'request completed',
      );
    };
    response.on('finish', done);
    response.on('close', done);
    next();
  };
}

@Module({
  imports: [LoggingModule, MetricsModule],
  providers: [RequestObserver],
  exports: [RequestObserver],
})
export class RequestObserverModule {}
