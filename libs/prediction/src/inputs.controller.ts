import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly, ErrorResponseDto } from '@app/common';
import { InputNotFoundError } from '@app/persistence';
import { ParseIdPipe } from './parse-id.pipe';
import { PredictionLedgerService } from './prediction-ledger.service';

@ApiTags('history')
@AdminOnly()
@Controller('inputs')
export class InputsController {
  constructor(private readonly ledger: PredictionLedgerService) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: "Erase a person's stored features and every prediction made from them",
    description: 'The database deletes the outputs by its ON DELETE CASCADE foreign key.',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    example: { statusCode: 404, error: 'Not Found', detail: new InputNotFoundError(42).message },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  async erase(@Param('id', ParseIdPipe) id: number): Promise<void> {
    await this.ledger.deleteInput(id);
  }
}
