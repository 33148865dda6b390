import { timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Request } from 'express';
import { ErrorResponseDto } from '@app/common';
import { PREDICTION_OPTIONS, PredictionModuleOptions } from './prediction.options';

/**
 * Guards the endpoints that read or erase people's stored data. With `adminApiKeys` configured,
 * a request must carry one of them as `Authorization: Bearer <key>` or `X-API-Key: <key>`;
 * without any configured key the endpoints are open (development), and the app warns at boot.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(PREDICTION_OPTIONS) options: PredictionModuleOptions) {
    this.keys = (options.adminApiKeys ?? []).map((k) => Buffer.from(k));
    if (this.keys.length === 0) {
      new Logger(AdminKeyGuard.name).warn('ADMIN_API_KEYS is not set: the endpoints that read or erase personal data (history, export, erasure, outcomes, monitoring) are open');
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const bearer = /^Bearer (.+)$/.exec(request.header('authorization') ?? '')?.[1];
    const presented = bearer ?? request.header('x-api-key');
    if (presented && this.matches(Buffer.from(presented))) return true;
    throw new UnauthorizedException(
      'This endpoint reads or erases personal data: send an admin API key as "Authorization: Bearer <key>" or "X-API-Key"',
    );
  }

  // Constant-time comparison, so response timing does not reveal how much of a key matched.
  private matches(candidate: Buffer): boolean {
    return this.keys.some((key) => key.length === candidate.length && timingSafeEqual(key, candidate));
  }
}

/** Puts a controller behind AdminKeyGuard and documents the two ways to send the key. */
export function AdminOnly(): ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'ADMIN_API_KEYS is set and no valid key was sent' }),
    UseGuards(AdminKeyGuard),
  );
}
