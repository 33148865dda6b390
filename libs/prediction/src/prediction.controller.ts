import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto, PredictKeyRequired } from '@app/common';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, PredictRequestDto } from '@app/validation';
import { PredictBatchRequestDto, PredictBatchResponseDto } from './predict-batch.dto';
import { PredictionResponseDto } from './prediction-response.dto';
import { PredictionService } from './prediction.service';

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
  @ApiBody({
    type: PredictRequestDto,
    examples: {
      likelyToStay: { summary: 'An employee likely to stay', value: { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } },
      likelyToLeave: { summary: 'An employee likely to leave', value: { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } },
    },
  })
  @ApiOkResponse({ type: PredictionResponseDto, description: 'Predicted and stored' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed JSON or invalid features; every problem is listed' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'Body over the size limit' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Database or model unavailable; retry after Retry-After seconds' })
  predict(@Body() body: PredictRequestDto): Promise<PredictionResponseDto> {
    return this.predictions.predict(body);
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
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Database or model unavailable; nothing stored' })
  // Declared `unknown` so that the global pipe leaves it alone: the service checks the envelope and
  // then each item on its own, so a malformed item cannot fail (or stall) the others.
  predictBatch(@Body() body: unknown): Promise<PredictBatchResponseDto> {
    return this.predictions.predictBatch(body);
  }
}
