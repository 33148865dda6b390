import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import {
  InputNotFoundError,
  PredictionLogRepository,
  PredictionNotFoundError,
  PredictionQuery,
  PredictionRecord,
} from '@app/persistence';
import { FeatureMapper, toTimestamp } from '@app/validation';
import { explain } from './explanation';
import { ListPredictionsQuery } from './list-predictions.query';
import { PredictionItemDto, PredictionPageDto } from './prediction-item.dto';

const DEFAULT_PAGE_SIZE = 50;
const EXPORT_BATCH_SIZE = 100;
const CSV_COLUMNS = ['id', 'input_id', 'created_at', 'model_version', 'prediction', 'probability', 'threshold', 'left', 'observed_at'];

/** Reads and erases the prediction history: pages, single items, CSV export, erasure. */
@Injectable()
export class PredictionLedgerService {
  constructor(
    private readonly log: PredictionLogRepository,
    private readonly mapper: FeatureMapper,
  ) {}

  async list(query: ListPredictionsQuery): Promise<PredictionPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra row tells whether another page exists without a COUNT.
    const records = await this.log.list({ ...toFilters(query), limit: limit + 1 });
    const page = records.slice(0, limit);
    return {
      items: page.map((r) => toItem(r)),
      next_cursor: records.length > limit ? String(page[page.length - 1].id) : null,
    };
  }

  async get(id: number): Promise<PredictionItemDto> {
    const record = await this.log.findById(id);
    if (!record) throw new PredictionNotFoundError(id);
    return toItem(record, true);
  }

  async deleteInput(inputId: number): Promise<void> {
    if (!(await this.log.deleteInput(inputId))) throw new InputNotFoundError(inputId);
  }

  /**
   * A CSV of every matching prediction, read in keyset batches so memory stays constant whatever
   * the row count, and the event loop serves other requests between two batches. The first batch is read before returning, so an unavailable database is still
   * a 503 rather than a truncated 200.
   */
  async exportCsv(query: ListPredictionsQuery): Promise<Readable> {
    const filters = toFilters(query);
    const first = await this.log.list({ ...filters, limit: EXPORT_BATCH_SIZE });
    const features = this.mapper.featureNames;
    const log = this.log;
    async function* rows() {
      let batch = first;
      while (batch.length > 0) {
        for (const r of batch) {
          yield [r.id, r.inputId, r.createdAt.toISOString(), r.modelVersion, r.prediction, r.probability, r.threshold,
            r.outcome?.left ?? '', r.outcome?.observedAt.toISOString() ?? '', ...features.map((f) => r.features[f])];
        }
        if (batch.length < EXPORT_BATCH_SIZE) return;
        // The embedded database reads synchronously: let other requests run between two batches.
        await nextTurn();
        batch = await log.list({ ...filters, beforeId: batch[batch.length - 1].id, limit: EXPORT_BATCH_SIZE });
      }
    }
    // escape_formulas: a stored label such as "=HYPERLINK(...)" must reach a spreadsheet as text,
    // never as a formula (OWASP CSV injection); negative numbers stay numbers.
    return Readable.from(rows()).pipe(
      stringify({ header: true, columns: [...CSV_COLUMNS, ...features], escape_formulas: true }),
    );
  }
}

function toFilters(query: ListPredictionsQuery): Omit<PredictionQuery, 'limit'> {
  return {
    beforeId: query.cursor === undefined ? undefined : Number(query.cursor),
    from: query.from === undefined ? undefined : toTimestamp(query.from, 'from'),
    to: query.to === undefined ? undefined : toTimestamp(query.to, 'to'),
    prediction: query.prediction,
    modelVersion: query.model_version,
    minProbability: query.min_probability,
  };
}

function toItem(record: PredictionRecord, withExplanation = false): PredictionItemDto {
  const item: PredictionItemDto = {
    id: record.id,
    input_id: record.inputId,
    features: record.features,
    prediction: record.prediction,
    probability: record.probability,
    threshold: record.threshold,
    model_version: record.modelVersion,
    created_at: record.createdAt.toISOString(),
    outcome: record.outcome
      ? { left: record.outcome.left, observed_at: record.outcome.observedAt.toISOString(), recorded_at: record.outcome.recordedAt.toISOString() }
      : null,
  };
  if (withExplanation) item.explanation = record.contributions ? explain(record.contributions, record.features) : null;
  return item;
}
