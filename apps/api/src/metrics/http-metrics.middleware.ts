import { Injectable, NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { matchedRoute } from '../http/matched-route';

export const HTTP_DURATION = 'http_request_duration_seconds';

/**
 * Times every request by method, matched route and status. Requests that match no route (404s,
 * bodies rejected by the parser) share route="unmatched", so clients cannot grow the label set.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(HTTP_DURATION) private readonly duration: Histogram<'method' | 'route' | 'status'>) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const stop = this.duration.startTimer();
    response.once('finish', () => {
      stop({ method: request.method, route: matchedRoute(request), status: String(response.statusCode) });
    });
    next();
  }
}
