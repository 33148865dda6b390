import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, ErrorResponseDto } from '@app/common';
import { DriftReportDto } from './drift-report.dto';
import { FairnessReportDto } from './fairness-report.dto';
import { VersionedWindowQuery, WindowQuery } from './monitoring-query.dto';
import { MonitoringService } from './monitoring.service';
import { PerformanceReportDto } from './performance-report.dto';

@ApiTags('monitoring')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid query parameter, named in the body' })
@ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Database unavailable' })
@AdminOnly()
@Controller('model')
export class ModelMonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Get('performance')
  @ApiOperation({
    summary: 'Is the model still right? Accuracy and calibration on predictions whose outcome is known',
    description:
      'ROC AUC with a DeLong 95 % interval, PR AUC (average precision), Brier score, log loss, precision/recall/F1 and ' +
      'the confusion matrix at the stored threshold, a 10-bin reliability table, calibration slope and intercept, ' +
      "beside the model's cross-validated figures. All from database aggregates. `from` inclusive, `to` exclusive.",
  })
  @ApiOkResponse({ type: PerformanceReportDto })
  performance(@Query() query: VersionedWindowQuery): Promise<PerformanceReportDto> {
    return this.monitoring.performance(query);
  }

  @Get('drift')
  @ApiOperation({
    summary: 'Do live inputs look like the training data? PSI per feature',
    description:
      'Population Stability Index of the inputs received in the window against the training distribution stored in ' +
      'contract.json (PSI < 0.1 stable, 0.1-0.25 moderate, > 0.25 shifted), shares of unseen categories and of values ' +
      'outside the training range; largest PSI first.',
  })
  @ApiOkResponse({ type: DriftReportDto })
  drift(@Query() query: WindowQuery): Promise<DriftReportDto> {
    return this.monitoring.drift(query);
  }

  @Get('fairness')
  @ApiOperation({
    summary: 'Does the model treat groups differently? By genre and by age band',
    description:
      'Per group: predictions, share predicted to leave, mean probability and, where outcomes exist, recall, ' +
      'false-positive rate, precision and ROC AUC; disparate-impact ratio with the four-fifths flag and ' +
      "equal-opportunity difference; the model card's training-time figures beside them.",
  })
  @ApiOkResponse({ type: FairnessReportDto })
  fairness(@Query() query: VersionedWindowQuery): Promise<FairnessReportDto> {
    return this.monitoring.fairness(query);
  }
}
