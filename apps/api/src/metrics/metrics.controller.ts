import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';
import { AdminOnly } from '@app/common';

/** The library's /metrics endpoint, documented in Swagger; like personal data, behind the admin keys. */
@ApiTags('health')
@AdminOnly()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics: HTTP latency by route and status, model identity, Node.js process' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  override index(@Res({ passthrough: true }) response: Response) {
    return super.index(response);
  }
}
