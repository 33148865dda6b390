import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Response } from 'express';
import { ErrorResponseDto, PredictKeyRequired, RequestId } from '@app/common';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, PredictRequestDto } from '@app/validation';
import { PredictBatchRequestDto, PredictBatchResponseDto } from './predict-batch.dto';
import { PredictionResponseDto } from './prediction-response.dto';
import { PredictionService } from './prediction.service';
import { parseIdempotencyKey } from './idempotency';
import { IdempotencyKeyReusedError } from './prediction.errors';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Makes retries safe: a request with a key already stored returns the stored answer (same ids, header ' +
    '`Idempotent-Replayed: true`) and stores nothing; the same key with other features is a 422. 8-128 characters: ' +
    'letters, digits, `. _ : -` (a UUID fits).',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' },
};
const UNAVAILABLE =
  'Database or model unavailable, or the database did not answer in time; retry after Retry-After seconds. `detail` ' +
  'says whether anything may have been stored; a retry with the same Idempotency-Key never stores twice';

@ApiTags('prediction')
@PredictKeyRequired()
@Controller()
export class PredictionController {
  constructor(private readonly predictions: PredictionService) {}

  @Post('predict')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Predict whether one employee is likely to leave',
    description:
      'Validates the 27 raw features, scores them with the ONNX model and stores the request and the answer ' +
      'in one transaction before responding: a 200 means both rows are committed.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({
    type: PredictRequestDto,
    examples: {
      likelyToStay: { summary: 'An employee likely to stay', value: { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } },
      likelyToLeave: { summary: 'An employee likely to leave', value: { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } },
    },
  })
  @ApiOkResponse({
    type: PredictionResponseDto,
    description: 'Predicted and stored, or (with `Idempotent-Replayed: true`) stored by an earlier request with the same key',
    headers: { 'Idempotent-Replayed': { description: '`true` on a replayed answer', required: false, schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Malformed JSON, invalid features or a malformed Idempotency-Key; every problem is listed',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'Body over the size limit' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'The Idempotency-Key was used for other features',
    example: { statusCode: 422, error: 'Unprocessable Entity', detail: new IdempotencyKeyReusedError(IDEMPOTENCY_HEADER.name).message },
  })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: UNAVAILABLE })
  async predict(
    @Body() body: PredictRequestDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @RequestId() requestId: string | undefined,
  ): Promise<PredictionResponseDto> {
    const { response, replayed } = await this.predictions.predict(body, parseIdempotencyKey(key, IDEMPOTENCY_HEADER.name), requestId);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return response;
  }

  @Post('predict/batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Predict many employees at once (up to BATCH_MAX_ITEMS, default 1,000)',
    description:
      'Each item is a /predict body and is validated on its own: invalid items are answered by index with the ' +
      'same 400 body as /predict, valid ones are scored in one inference run and stored in one transaction ' +
      'before the response. A 200 means every item marked 200 is stored.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({
    type: PredictBatchRequestDto,
    examples: {
      twoEmployees: {
        summary: 'Two employees',
        value: { items: [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }, { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }] },
      },
    },
  })
  @ApiOkResponse({ type: PredictBatchResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: '`items` missing, empty or not an array' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'More items than allowed, or body over BATCH_BODY_LIMIT' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: UNAVAILABLE })
  // The body is declared `unknown` so that the global pipe leaves it alone: the service checks the
  // envelope and then each item on its own, so a malformed item cannot fail (or stall) the others.
  predictBatch(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @RequestId() requestId: string | undefined,
  ): Promise<PredictBatchResponseDto> {
    return this.predictions.predictBatch(body, parseIdempotencyKey(key, IDEMPOTENCY_HEADER.name), requestId);
  }
}
