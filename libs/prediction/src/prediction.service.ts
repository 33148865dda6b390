import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { badRequestBody, ErrorResponseDto, YieldBudget } from '@app/common';
import { AttritionScore, ModelManifest, ModelRunner } from '@app/inference';
import { NewPredictionRecord, PredictionLogRepository, PredictionRecord, RecordOutcome } from '@app/persistence';
import {
  FeatureMapper,
  FeatureValidationError,
  inspectRequestShape,
  MappedFeatures,
  PredictRequestDto,
  RequestValidator,
} from '@app/validation';
import { explain } from './explanation';
import { parseIdempotencyKey, sameFeatures } from './idempotency';
import { BatchItemResultDto, PredictBatchResponseDto } from './predict-batch.dto';
import { BatchTooLargeError, FeatureMismatchError, IdempotencyKeyReusedError } from './prediction.errors';
import { PREDICTION_OPTIONS, PredictionModuleOptions } from './prediction.options';
import { PredictionResponseDto, PredictionWarningDto } from './prediction-response.dto';
import { TrainingDomain } from './training-domain';

const DEFAULT_MAX_BATCH_ITEMS = 1000;
/** Ignored keys named one by one in `warnings`; the rest are counted in one more warning. */
const MAX_NAMED_IGNORED_KEYS = 20;
const ITEM_KEY = 'idempotency_key';

/** An answer, and whether it is the stored answer to an earlier request with the same idempotency key. */
export interface PredictionOutcome {
  response: PredictionResponseDto;
  replayed: boolean;
}

interface ValidItem {
  index: number;
  request: PredictRequestDto;
  mapped: MappedFeatures;
  key?: string;
}

/** Items of a batch validated and scored, not yet stored (PredictionService.scoreItems). */
export interface ScoredItems {
  /** By item index: the answer of an item that failed validation. */
  readonly rejected: readonly (ItemOutcome | undefined)[];
  readonly valid: readonly ValidItem[];
  /** What to store for each valid item, in the order of `valid`. */
  readonly entries: readonly NewPredictionRecord[];
}

/** What became of one item of a batch: stored (now, or before under its key), or the error answered for it. */
export type ItemOutcome =
  | { status: 200; record: PredictionRecord; replayed: boolean; request: PredictRequestDto; mapped: MappedFeatures }
  | { status: 400 | 422 | 500; error: ErrorResponseDto };

/** Validate (the pipe, or item by item for batches) -> warn -> infer -> persist -> answer. */
@Injectable()
export class PredictionService implements OnModuleInit {
  private readonly logger = new Logger(PredictionService.name);
  private domain: TrainingDomain;

  constructor(
    private readonly mapper: FeatureMapper,
    private readonly validator: RequestValidator,
    private readonly runner: ModelRunner,
    private readonly log: PredictionLogRepository,
    @Inject(PREDICTION_OPTIONS) private readonly options: PredictionModuleOptions,
  ) {}

  /** Refuses to start when the request contract and the model's inputs differ. */
  onModuleInit(): void {
    const manifest = this.runner.manifest;
    const expected = manifest.features.map((f) => f.name).sort().join();
    const actual = [...this.mapper.featureNames].sort().join();
    if (expected !== actual) {
      throw new FeatureMismatchError(
        `The request DTO's features [${actual}] differ from model ${manifest.model.version}'s [${expected}]`,
      );
    }
    this.domain = new TrainingDomain(manifest);
  }

  /**
   * With an idempotency key, a retry of a stored request returns the stored answer (`replayed`)
   * and stores nothing; the same key with other features is an IdempotencyKeyReusedError. Its log
   * line carries `requestId` when given.
   */
  async predict(request: PredictRequestDto, idempotencyKey?: string, requestId?: string): Promise<PredictionOutcome> {
    const started = performance.now();
    const mapped = this.mapper.map(request.features);
    const manifest = this.runner.manifest;
    const [score] = await this.runner.score([mapped.features]);
    const entry = toEntry(mapped, score, manifest, idempotencyKey);
    const { record, replayed } = await this.log.record(entry);
    if (replayed && !sameFeatures(record.features, entry.features)) throw new IdempotencyKeyReusedError('Idempotency-Key');
    // The app's logger filters by LOG_LEVEL (the static Logger.isLevelEnabled only knows levels set as an array).
    this.logger.log({
      request_id: requestId,
      msg:
        `prediction ${record.id} model ${record.modelVersion}: ${record.prediction}${replayed ? ' (replayed)' : ''} ` +
        `in ${(performance.now() - started).toFixed(2)} ms`,
    });
    return { response: this.respond(request, mapped, record), replayed };
  }

  /**
   * One inference run and one transaction for all valid items; invalid items are answered by
   * index, and so is an item the database refuses (the others are still stored). An item's key is
   * its own `idempotency_key`, else `<idempotencyKey>#<index>` when the batch has one. Validation
   * yields to the event loop every few milliseconds, so a large batch never holds up the requests
   * of other clients for long.
   */
  async predictBatch(body: unknown, idempotencyKey?: string, requestId?: string): Promise<PredictBatchResponseDto> {
    const items = batchItems(body);
    const limit = this.options.maxBatchItems ?? DEFAULT_MAX_BATCH_ITEMS;
    if (items.length > limit) throw new BatchTooLargeError(limit, items.length);
    const started = performance.now();
    const outcomes = await this.storeScored(await this.scoreItems(items, (index) => idempotencyKey && `${idempotencyKey}#${index}`));
    const results = new Array<BatchItemResultDto>(items.length);
    const budget = new YieldBudget();
    let stored = 0;
    let replayed = 0;
    for (const [index, outcome] of outcomes.entries()) {
      await budget.check();
      if (outcome.status !== 200) {
        results[index] = { index, status: outcome.status, error: outcome.error };
        continue;
      }
      const result = { index, status: 200 as const, result: this.respond(outcome.request, outcome.mapped, outcome.record) };
      if (outcome.replayed) {
        replayed++;
        results[index] = { ...result, replayed: true };
      } else {
        stored++;
        results[index] = result;
      }
    }
    const rejected = items.length - stored - replayed;
    this.logger.log({
      request_id: requestId,
      msg:
        `batch of ${items.length}: ${stored} stored, ${rejected} rejected${replayed > 0 ? `, ${replayed} replayed` : ''} ` +
        `in ${(performance.now() - started).toFixed(1)} ms`,
    });
    return { stored, replayed, rejected, results };
  }

  /**
   * The first half of a batch, with no database work: each item validated (yielding to the event
   * loop every few milliseconds), mapped, and the valid ones scored in one inference run. An item's
   * key is its own `idempotency_key`, else `defaultKey(index)`. The caller checks the batch size.
   */
  async scoreItems(items: readonly unknown[], defaultKey: (index: number) => string | undefined = () => undefined): Promise<ScoredItems> {
    const rejected = new Array<ItemOutcome | undefined>(items.length);
    const valid: ValidItem[] = [];
    const budget = new YieldBudget();
    for (const [index, item] of items.entries()) {
      await budget.check();
      try {
        const own = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[ITEM_KEY] : undefined;
        const key = parseIdempotencyKey(own, ITEM_KEY) ?? defaultKey(index);
        const request = await this.validator.validate(PredictRequestDto, item);
        valid.push({ index, request, mapped: this.mapper.map(request.features), key });
      } catch (error) {
        if (!(error instanceof FeatureValidationError)) throw error;
        rejected[index] = { status: 400, error: badRequestBody(error.message, error.problems) };
      }
    }
    if (valid.length === 0) return { rejected, valid, entries: [] };
    const manifest = this.runner.manifest;
    const scores = await this.runner.score(valid.map((v) => v.mapped.features));
    return { rejected, valid, entries: valid.map((v, i) => toEntry(v.mapped, scores[i], manifest, v.key)) };
  }

  /**
   * The second half: the scored items stored in one transaction. One outcome per item, in order:
   * the stored record (or the one stored before under its key, `replayed`), or the error the batch
   * answers for that item. Rejects when the database is unavailable (nothing of this batch stored,
   * or its `outcome` says what may be).
   */
  async storeScored(scored: ScoredItems): Promise<ItemOutcome[]> {
    const outcomes = [...scored.rejected];
    if (scored.valid.length > 0) {
      const stored = await this.log.recordMany(scored.entries);
      for (const [i, v] of scored.valid.entries()) outcomes[v.index] = itemOutcome(v, stored[i]);
    }
    return outcomes as ItemOutcome[];
  }

  private respond(request: PredictRequestDto, mapped: MappedFeatures, record: PredictionRecord): PredictionResponseDto {
    const response: PredictionResponseDto = {
      prediction: record.prediction,
      probability: record.probability,
      id: record.id,
      input_id: record.inputId,
      model_version: record.modelVersion,
      threshold: record.threshold,
      warnings: this.domain.warningsFor(mapped.features),
    };
    if (mapped.ignoredDerived.length > 0 || mapped.ignoredUnknown.length > 0) response.warnings.unshift(...ignoredKeyWarnings(mapped));
    if (request.explain && record.contributions) response.explanation = explain(record.contributions, mapped.features);
    return response;
  }
}

/** The features and the named contributions are passed on as built, never copied. */
function toEntry(mapped: MappedFeatures, score: AttritionScore, manifest: ModelManifest, idempotencyKey?: string): NewPredictionRecord {
  return {
    features: mapped.features,
    prediction: score.label,
    probability: score.probability,
    threshold: manifest.threshold,
    modelVersion: manifest.model.version,
    contributions: score.contributions,
    idempotencyKey,
  };
}

function itemOutcome({ index, request, mapped }: ValidItem, outcome: RecordOutcome): ItemOutcome {
  if (!outcome.stored) {
    // A value the database refuses that validation let through: a bug to fix (the repository logs
    // its code), reported for this item alone.
    return { status: 500, error: { statusCode: 500, error: 'Internal Server Error', detail: 'This item could not be stored' } };
  }
  if (outcome.replayed && !sameFeatures(outcome.record.features, mapped.features)) {
    const error = new IdempotencyKeyReusedError(`The idempotency key of item ${index}`);
    return { status: 422, error: { statusCode: 422, error: 'Unprocessable Entity', detail: error.message } };
  }
  return { status: 200, record: outcome.record, replayed: outcome.replayed, request, mapped };
}

const ENVELOPE_NAMES: ReadonlySet<string> = new Set(['items']);

/** The `items` of a batch body, or a 400 naming what is wrong with the envelope. */
function batchItems(body: unknown): unknown[] {
  const fail = (feature: string, constraint: string, message: string): never => {
    throw new FeatureValidationError([{ feature, constraint, message }]);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('body', 'isObject', 'The body must be a JSON object with an items array');
  }
  const { items, ...rest } = body as Record<string, unknown>;
  // The rest of the envelope is ignored, but bounded like any body; items are checked one by one.
  const problems = inspectRequestShape(rest, ENVELOPE_NAMES);
  if (problems.length > 0) throw new FeatureValidationError(problems);
  if (!Array.isArray(items)) return fail('items', 'isArray', 'items must be an array');
  if (items.length === 0) return fail('items', 'arrayMinSize', 'items must not be empty');
  return items;
}

function ignoredKeyWarnings({ ignoredDerived, ignoredUnknown }: MappedFeatures): PredictionWarningDto[] {
  const warnings: PredictionWarningDto[] = [
    ...ignoredDerived.map((feature) => ({
      feature,
      type: 'ignored_derived_feature' as const,
      message: `${feature} is computed by the model from the raw features; the value sent was ignored`,
    })),
    ...ignoredUnknown.slice(0, MAX_NAMED_IGNORED_KEYS).map((feature) => ({
      feature,
      type: 'unknown_feature' as const,
      message: `${feature} is not a feature of this model; it was ignored`,
    })),
  ];
  const unnamed = ignoredUnknown.length - MAX_NAMED_IGNORED_KEYS;
  if (unnamed > 0) {
    warnings.push({
      feature: '*',
      type: 'unknown_feature',
      message: `${unnamed} more keys are not features of this model; they were ignored`,
    });
  }
  return warnings;
}
