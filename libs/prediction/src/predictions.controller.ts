import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly, ErrorResponseDto } from '@app/common';
import { ListPredictionsQuery } from './list-predictions.query';
import { ParseIdPipe } from './parse-id.pipe';
import { PredictionItemDto, PredictionPageDto } from './prediction-item.dto';
import { PredictionLedgerService } from './prediction-ledger.service';

@ApiTags('history')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid query parameter or id, named in the body' })
@ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Database unavailable' })
@AdminOnly()
@Controller('predictions')
export class PredictionsController {
  constructor(private readonly ledger: PredictionLedgerService) {}

  @Get()
  @ApiOperation({
    summary: 'Stored predictions, newest first',
    description: 'Keyset pagination: pass `next_cursor` as `cursor`. Pages neither repeat nor skip rows while new predictions arrive. `from` is inclusive, `to` exclusive.',
  })
  @ApiOkResponse({ type: PredictionPageDto })
  list(@Query() query: ListPredictionsQuery): Promise<PredictionPageDto> {
    return this.ledger.list(query);
  }

  @Get('export.csv')
  @ApiOperation({
    summary: 'Every matching prediction as CSV, one column per feature',
    description: 'Streamed in batches: memory stays constant whatever the number of rows. Same filters as GET /predictions; `limit` is ignored.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with a header row' })
  async export(@Query() query: ListPredictionsQuery): Promise<StreamableFile> {
    // The CSV headers go with the file, so that an error before it (a 503) stays a JSON answer.
    return new StreamableFile(await this.ledger.exportCsv(query), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="predictions.csv"',
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One stored prediction, with the contributions that explain it' })
  @ApiOkResponse({ type: PredictionItemDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id', ParseIdPipe) id: number): Promise<PredictionItemDto> {
    return this.ledger.get(id);
  }
}
