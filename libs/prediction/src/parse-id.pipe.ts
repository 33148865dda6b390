import { Injectable, PipeTransform } from '@nestjs/common';
import { FeatureValidationError, parseRowId, rowIdProblem } from '@app/validation';

/** A path id: validated as the text the client sent, before any conversion, or a 400. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = parseRowId(value, 'text');
    if (typeof id !== 'number') throw new FeatureValidationError([rowIdProblem('id', id, 'text')]);
    return id;
  }
}
