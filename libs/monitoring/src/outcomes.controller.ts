import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Response } from 'express';
import { AdminOnly, ErrorResponseDto } from '@app/common';
import { InputNotFoundError } from '@app/persistence';
import { OutcomeResultDto, RecordOutcomeDto, RecordOutcomesDto, RecordOutcomesResponseDto } from './outcome.dto';
import { OutcomesService } from './outcomes.service';

@ApiTags('monitoring')
@AdminOnly()
@Controller('outcomes')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record what really happened to the person behind a stored input (did they leave?)',
    description:
      'One outcome `{input_id, left, observed_at}`, or a list `{items: [...]}` of up to 1,000 answered item by item ' +
      'like /predict/batch. One outcome per input: posting again replaces it. Erasing the input erases its outcome.',
  })
  @ApiExtraModels(RecordOutcomeDto, RecordOutcomesDto)
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(RecordOutcomeDto) }, { $ref: getSchemaPath(RecordOutcomesDto) }] },
    examples: {
      one: { summary: 'One outcome', value: { input_id: 123, left: 1, observed_at: '2026-06-30' } },
      list: {
        summary: 'A list',
        value: { items: [{ input_id: 123, left: 1, observed_at: '2026-06-30' }, { input_id: 124, left: 0, observed_at: '2026-06-30' }] },
      },
    },
  })
  @ApiCreatedResponse({ type: OutcomeResultDto, description: 'One outcome, stored for the first time' })
  @ApiOkResponse({ type: RecordOutcomesResponseDto, description: 'One outcome replacing the previous one (OutcomeResultDto), or a list' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid outcome (or `items` missing, empty, not an array)' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No stored input with this input_id',
    example: { statusCode: 404, error: 'Not Found', detail: new InputNotFoundError(42).message },
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'More than 1,000 items' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Database unavailable; nothing stored' })
  async record(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OutcomeResultDto | RecordOutcomesResponseDto> {
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'items' in body) {
      return this.outcomes.recordMany(body);
    }
    const result = await this.outcomes.recordOne(body);
    if (result.status === 'created') response.status(201);
    return result;
  }
}
