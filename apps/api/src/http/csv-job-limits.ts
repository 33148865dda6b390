import { HttpException, HttpStatus, Injectable, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NextFunction, Request, Response } from 'express';
import { ApiKeyPolicy } from '@app/common';
import { AllConfig } from '../config';
import { clientKey } from './rate-limits';

/** Seconds a client is asked to wait before sending a CSV file again when a cap is reached. */
export const CSV_JOB_RETRY_AFTER_SECONDS = 10;

/**
 * Caps the POST /predict/csv files being scored at once, per client and in all (per process).
 * A file is read, validated, scored and stored for as long as its upload lasts, on the same event
 * loop as every /predict: twelve at once pushed an honest /predict's p99 past a second
 * (docs/RELIABILITY.md, "Concurrent CSV files"). One more file than a client's cap is a 429, one
 * more than the overall cap a 503, both with Retry-After and a message naming the limit; the file is
 * then neither read nor stored. A file's slot is freed when its response closes (answered, cut short
 * or abandoned by the client).
 */
@Injectable()
export class CsvJobLimits {
  private readonly max: number;
  private readonly perClient: number;
  private active = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly policy: ApiKeyPolicy,
  ) {
    ({ max: this.max, perClient: this.perClient } = config.getOrThrow('http.csvJobs', { infer: true }));
  }

  /** Files being scored now, in all. */
  get running(): number {
    return this.active;
  }

  /** Express middleware, mounted on /predict/csv: takes a slot for a CSV file, or refuses it. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'POST') return next();
    const client = clientKey(request, this.policy);
    const mine = this.byClient.get(client) ?? 0;
    if (this.perClient > 0 && mine >= this.perClient) {
      response.setHeader('Retry-After', String(CSV_JOB_RETRY_AFTER_SECONDS));
      return next(
        new HttpException(
          `Too many CSV files from this client at once: at most ${this.perClient} (CSV_MAX_JOBS_PER_CLIENT) is scored at a time. ` +
            'Send this one when the one in progress has been answered, or after the time in Retry-After.',
          HttpStatus.TOO_MANY_REQUESTS,
        ),
      );
    }
    if (this.max > 0 && this.active >= this.max) {
      response.setHeader('Retry-After', String(CSV_JOB_RETRY_AFTER_SECONDS));
      return next(
        new HttpException(
          `The server is scoring as many CSV files as it takes at once (CSV_MAX_JOBS = ${this.max}); nothing of this file was read or stored. ` +
            'Retry after the time in Retry-After.',
          HttpStatus.SERVICE_UNAVAILABLE,
        ),
      );
    }
    this.active++;
    this.byClient.set(client, mine + 1);
    response.once('close', () => {
      this.active--;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left > 0) this.byClient.set(client, left);
      else this.byClient.delete(client);
    });
    next();
  };
}

@Module({ providers: [CsvJobLimits], exports: [CsvJobLimits] })
export class CsvJobLimitModule {}
