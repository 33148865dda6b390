import { Controller, Headers, HttpCode, Logger, Post, Query, Req, Res, UnsupportedMediaTypeException } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { Request, Response } from 'express';
import { ErrorResponseDto, PredictKeyRequired, RequestId } from '@app/common';
import { FeatureValidationError } from '@app/validation';
import { parseIdempotencyKey } from '../idempotency';

/** The 415 `detail` of a /predict/csv request not declared as text/csv (answered by the app's body-type check). */
export const CSV_CONTENT_TYPE_REQUIRED = 'The request body must be CSV, sent with "Content-Type: text/csv"';
import { CSV_CHUNK_ROWS, CSV_MAX_COLUMNS, CSV_MAX_IDEMPOTENCY_KEY_LENGTH, CSV_MAX_RECORD_BYTES, CsvScoringService } from './csv-scoring.service';

const DESCRIPTION =
  'Send a CSV file (UTF-8, comma-separated, first row a header) whose columns include the 27 feature names of ' +
  '`POST /predict`, one employee per row; other columns are passed through to the output and not stored. The answer ' +
  'is the same file with `row` (the 1-based data row number), `id`, `input_id`, `probability`, `prediction` and ' +
  '`error` appended. Rows are validated, scored and stored in chunks of ' +
  `${CSV_CHUNK_ROWS}, one transaction each, exactly as /predict/batch does; each chunk is written out once it is ` +
  'committed, so every row received is stored. A row that fails validation is answered in `error` with the text ' +
  '/predict would give, and the file goes on; so is a row that is not valid UTF-8 (naming the byte offset in the file). ' +
  'A CSV syntax error stops reading at its row: the rows before are answered and stored, and a last row says where. ' +
  'The whole upload must arrive within HTTP_REQUEST_TIMEOUT_MS. At most CSV_MAX_JOBS_PER_CLIENT files per client and ' +
  'CSV_MAX_JOBS in all are scored at once (429 / 503 with Retry-After beyond). ' +
  `Limits: ${CSV_MAX_COLUMNS} columns, ${CSV_MAX_RECORD_BYTES} bytes per row. If the connection breaks, every chunk ` +
  'written so far is stored: send the file again with the same Idempotency-Key (and `start_row` = the last row ' +
  'received + 1 to skip the rest): rows already stored are answered with their stored ids and not stored again.';

/** POST /predict/csv: a CSV file in, the same file scored out, streamed both ways. */
@ApiTags('prediction')
@PredictKeyRequired()
@Controller()
export class CsvScoringController {
  private readonly logger = new Logger(CsvScoringController.name);

  constructor(private readonly csv: CsvScoringService) {}

  @Post('predict/csv')
  @HttpCode(200)
  @ApiOperation({ summary: 'Score and store a CSV file of employees, streamed', description: DESCRIPTION })
  @ApiConsumes('text/csv')
  @ApiProduces('text/csv')
  @ApiBody({
    description: 'Header row with the feature names, then one employee per row',
    schema: { type: 'string', example: 'employee_no,age,genre,statut_marital,...\nE-1001,44,1,Divorcé(e),...' },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      `Makes a resend safe: row r is stored with the key \`<key>#row:<r>\` (a key no client can send itself); a row whose key ` +
      `is stored is answered with the stored ids and stored again never. 8-${CSV_MAX_IDEMPOTENCY_KEY_LENGTH} characters: ` +
      `letters, digits, \`. _ : -\`.`,
    schema: { type: 'string', pattern: `^[A-Za-z0-9._:-]{8,${CSV_MAX_IDEMPOTENCY_KEY_LENGTH}}$` },
  })
  @ApiQuery({
    name: 'start_row',
    required: false,
    description: 'First data row to score (1-based, the header is not counted); earlier rows are skipped. Default 1',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiOkResponse({
    description: 'The scored file, streamed (text/csv): the input columns, then row, id, input_id, probability, prediction, error',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Empty file, header without a feature column, duplicate or reserved column names, too many columns, bad start_row or key',
  })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorResponseDto,
    description: 'Not sent as text/csv, or compressed',
    example: { statusCode: 415, error: 'Unsupported Media Type', detail: CSV_CONTENT_TYPE_REQUIRED },
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Over the batch rate limit, or this client already has CSV_MAX_JOBS_PER_CLIENT files being scored (Retry-After)',
    example: { statusCode: 429, error: 'Too Many Requests', detail: 'Too many requests: retry after 60 s' },
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description:
      'Database or model unavailable before the first chunk was stored (later, the connection is closed instead), or ' +
      'CSV_MAX_JOBS files are being scored already (Retry-After; nothing of this file read or stored)',
  })
  async scoreCsv(
    @Req() request: Request,
    @Res() response: Response,
    @Headers('idempotency-key') key: string | undefined,
    @Query('start_row') startRow: unknown,
    @RequestId() requestId: string | undefined,
  ): Promise<void> {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      throw new UnsupportedMediaTypeException('Send the CSV file uncompressed (no Content-Encoding)');
    }
    const idempotencyKey = parseIdempotencyKey(key, 'Idempotency-Key');
    try {
      await this.csv.score({
        input: request,
        output: response,
        idempotencyKey,
        requestId,
        startRow: parseStartRow(startRow),
        beforeFirstWrite: () => {
          response.status(200);
          response.setHeader('Content-Type', 'text/csv; charset=utf-8');
        },
      });
    } catch (error) {
      // Before the first chunk is written, the error filter answers (400, 503, ...). After it, the
      // status is gone: closing the connection without the final chunk tells the client the file
      // is incomplete; every row it received is stored. A client that went away before (its upload
      // aborted) gets no answer either: that is no server error to log as one.
      if (!response.headersSent && !request.readableAborted) throw error;
      this.logger.warn({ request_id: requestId, msg: `csv file cut short: ${error instanceof Error ? error.message : String(error)}` });
      response.destroy();
    }
  }
}

function parseStartRow(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value)) return Number(value);
  throw new FeatureValidationError([
    { feature: 'start_row', constraint: 'isPositiveInteger', message: 'start_row must be a positive integer' },
  ]);
}
