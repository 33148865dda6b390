import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ModelManifest, ModelRunner } from '@app/inference';

@ApiTags('model')
@Controller()
export class ModelController {
  constructor(private readonly runner: ModelRunner) {}

  @Get(['model', 'version'])
  @ApiOperation({
    summary: 'The served model: name, version, sha256, training date, threshold, CV metrics and feature contract',
    description: 'The content of models/attrition/contract.json. Also at GET /version (the original roadmap asked for it).',
  })
  @ApiOkResponse({ description: 'contract.json of the loaded model' })
  model(): ModelManifest {
    return this.runner.manifest;
  }
}
