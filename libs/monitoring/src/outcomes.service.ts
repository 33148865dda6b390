import { Injectable } from '@nestjs/common';
import { badRequestBody } from '@app/common';
import { InputNotFoundError, MonitoringRepository, NewOutcome, OutcomeWrite } from '@app/persistence';
import { BatchTooLargeError } from '@app/prediction';
import { FeatureValidationError, RequestValidator, toTimestamp } from '@app/validation';
import { OutcomeItemResultDto, OutcomeResultDto, RecordOutcomeDto, RecordOutcomesDto, RecordOutcomesResponseDto } from './outcome.dto';

/** Most outcomes in one POST /outcomes list. */
export const MAX_OUTCOME_ITEMS = 1000;

/** Records observed outcomes: one, or a list answered item by item like /predict/batch. */
@Injectable()
export class OutcomesService {
  constructor(
    private readonly repository: MonitoringRepository,
    private readonly validator: RequestValidator,
  ) {}

  /** One outcome; throws InputNotFoundError for an unknown input. */
  async recordOne(body: unknown): Promise<OutcomeResultDto> {
    const dto = await this.validator.validate(RecordOutcomeDto, body);
    const [write] = await this.repository.recordOutcomes([toOutcome(dto)]);
    if (write.status === 'input_not_found') throw new InputNotFoundError(write.inputId);
    return toResult(write);
  }

  /** A list: invalid items 400, unknown inputs 404, the rest stored in one transaction. */
  async recordMany(body: unknown): Promise<RecordOutcomesResponseDto> {
    const { items } = await this.validator.validate(RecordOutcomesDto, body);
    if (items.length > MAX_OUTCOME_ITEMS) throw new BatchTooLargeError(MAX_OUTCOME_ITEMS, items.length);
    const results = new Array<OutcomeItemResultDto>(items.length);
    const valid: { index: number; outcome: NewOutcome }[] = [];
    const seen = new Set<number>();
    for (const [index, item] of items.entries()) {
      try {
        const outcome = toOutcome(await this.validator.validate(RecordOutcomeDto, item));
        if (seen.has(outcome.inputId)) {
          const message = `input_id ${outcome.inputId} appears more than once in this list`;
          throw new FeatureValidationError([{ feature: 'input_id', constraint: 'unique', message }]);
        }
        seen.add(outcome.inputId);
        valid.push({ index, outcome });
      } catch (error) {
        if (!(error instanceof FeatureValidationError)) throw error;
        results[index] = { index, status: 400, error: badRequestBody(error.message, error.problems) };
      }
    }
    const writes = await this.repository.recordOutcomes(valid.map((v) => v.outcome));
    valid.forEach(({ index }, i) => {
      const write = writes[i];
      results[index] =
        write.status === 'input_not_found'
          ? { index, status: 404, error: { statusCode: 404, error: 'Not Found', detail: new InputNotFoundError(write.inputId).message } }
          : { index, status: write.status === 'created' ? 201 : 200, result: toResult(write) };
    });
    const count = (status: number) => results.filter((r) => r.status === status).length;
    return { created: count(201), replaced: count(200), rejected: count(400) + count(404), results };
  }
}

function toOutcome(dto: RecordOutcomeDto): NewOutcome {
  return { inputId: dto.input_id, left: dto.left, observedAt: toTimestamp(dto.observed_at, 'observed_at') };
}

function toResult(write: Exclude<OutcomeWrite, { status: 'input_not_found' }>): OutcomeResultDto {
  const { outcome } = write;
  return {
    input_id: outcome.inputId,
    left: outcome.left,
    observed_at: outcome.observedAt.toISOString(),
    recorded_at: outcome.recordedAt.toISOString(),
    status: write.status,
  };
}
