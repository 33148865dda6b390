import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';
import { register } from 'prom-client';
import { AdminOnly, ErrorResponseDto } from '@app/common';
import { isClusterWorker, scrapeCluster } from './cluster-metrics';

const METRICS_UNAVAILABLE = 'Metrics unavailable';

/**
 * The library's /metrics endpoint, documented in Swagger; like personal data, behind the admin
 * keys. With WORKERS > 1, whichever worker is asked answers for all of them (cluster-metrics.ts).
 */
@ApiTags('health')
@AdminOnly()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics: HTTP latency by route and status, write path, model identity, Node.js process (summed over all workers)',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'A cluster worker did not send its metrics in time',
    example: { statusCode: 503, error: 'Service Unavailable', detail: `${METRICS_UNAVAILABLE}: 1 worker(s) sent no metrics within 3000 ms` },
  })
  override async index(@Res({ passthrough: true }) response: Response) {
    if (!isClusterWorker()) return super.index(response);
    response.header('Content-Type', register.contentType);
    try {
      return await scrapeCluster();
    } catch (error) {
      throw new ServiceUnavailableException(`${METRICS_UNAVAILABLE}: ${(error as Error).message}`);
    }
  }
}
