import { HttpException, HttpStatus, Injectable, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import { ApiKeyPolicy } from '@app/common';
import { AllConfig } from '../config';

type RedisClient = ReturnType<typeof createClient>;

/**
 * Who a client is for the per-client limits (these rate limits, the CSV job cap): its API key when
 * it sends a valid one, its address otherwise (an IPv6 address by its /56, as express-rate-limit advises).
 */
export function clientKey(request: Request, policy: ApiKeyPolicy): string {
  return policy.clientId(request) ?? ipKeyGenerator(request.ip ?? '');
}

/**
 * Per-client limits on the write endpoints (express-rate-limit): POST /predict and POST
 * /predict/batch each have their own budget per window (POST /predict/csv counts as a batch). A client is its API key when it sends a
 * valid one, its address otherwise. Answers 429 with Retry-After and the IETF RateLimit headers.
 * Counters live in memory (per process) or, with REDIS_URL, in Redis, shared by every process and
 * replica. If Redis fails, requests are let through (and the failure logged): a limit is not worth
 * an outage.
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly logger = new Logger(RateLimits.name);
  private readonly redis?: RedisClient;
  private readonly predict?: RequestHandler;
  private readonly batch?: RequestHandler;

  constructor(config: ConfigService<AllConfig, true>, policy: ApiKeyPolicy) {
    const settings = config.getOrThrow('http.rateLimit', { infer: true });
    if (settings.redisUrl && (settings.predict > 0 || settings.batch > 0)) {
      const client = createClient({ url: settings.redisUrl });
      let reported = false;
      client.on('error', (error: Error) => {
        if (!reported) this.logger.error(`Redis for rate limits: ${error.message}`);
        reported = true;
      });
      client.on('ready', () => (reported = false));
      client.connect().catch(() => undefined);
      this.redis = client;
    }
    const limiter = (name: string, limit: number): RequestHandler | undefined =>
      limit === 0
        ? undefined
        : rateLimit({
            windowMs: settings.windowMs,
            limit,
            standardHeaders: 'draft-8',
            legacyHeaders: false,
            identifier: name,
            passOnStoreError: true,
            keyGenerator: (request) => clientKey(request, policy),
            store: this.redis
              ? new RedisStore({
                  prefix: `attrition:rate:${name}:`,
                  sendCommand: (...args: string[]) => this.redis!.sendCommand(args),
                })
              : undefined,
            handler: (_request, _response, next) =>
              next(
                new HttpException(
                  `Too many ${name} requests from this client: at most ${limit} per ${settings.windowMs / 1000} s. ` +
                    'Retry after the time in Retry-After.',
                  HttpStatus.TOO_MANY_REQUESTS,
                ),
              ),
          });
    this.predict = limiter('predict', settings.predict);
    this.batch = limiter('batch', settings.batch);
  }

  /** Express middleware: applies the limit of the write endpoint the request is for, if any. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'POST' || (!this.predict && !this.batch)) return next();
    const path = request.path.replace(/\/+$/, '').toLowerCase();
    // A CSV file is a batch (of any size): it counts against the batch budget.
    const limiter = path === '/predict' ? this.predict : path === '/predict/batch' || path === '/predict/csv' ? this.batch : undefined;
    if (!limiter) return next();
    void limiter(request, response, next);
  };

  async onModuleDestroy(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.quit().catch(() => undefined);
  }
}

@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitModule {}
