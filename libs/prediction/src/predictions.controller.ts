import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
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
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="predictions.csv"')
  async export(@Query() query: ListPredictionsQuery): Promise<StreamableFile> {
    return new StreamableFile(await this.ledger.exportCsv(query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One stored prediction, with the contributions that explain it' })
  @ApiOkResponse({ type: PredictionItemDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id', ParseIdPipe) id: number): Promise<PredictionItemDto> {
    return this.ledger.get(id);
  }
}
