import { createHash, timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  CanActivate,
  DynamicModule,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  Module,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Request } from 'express';
import { ErrorResponseDto } from './error-response.dto';
import { AsyncModuleOptions, optionsProvider } from './module-options';

export const API_KEYS_OPTIONS = Symbol('api-keys:options');

/** The 401 `detail` of an admin endpoint called with keys configured and none valid (also its Swagger example). */
export const ADMIN_KEY_MISSING =
  'This endpoint reads or erases personal data: send an admin API key as "Authorization: Bearer <key>" or "X-API-Key"';

/** The 401 `detail` of a prediction endpoint while PREDICT_API_KEYS is set and no valid key was sent (also its Swagger example). */
export const PREDICT_KEY_MISSING = 'Send a prediction API key as "Authorization: Bearer <key>" or "X-API-Key"';

export interface ApiKeysOptions {
  /**
   * Keys for the endpoints that read or erase personal data (history, export, erasure, metrics).
   * Empty: those endpoints answer loopback clients only, or nobody when `proxyTrusted`.
   * @default []
   */
  adminApiKeys?: string[];
  /**
   * Whether a reverse proxy is trusted to name the client (`TRUST_PROXY`). Then a loopback peer may
   * be that proxy relaying anyone, so the loopback exemption is off: without `adminApiKeys` the
   * admin endpoints refuse every client, saying why.
   * @default false
   */
  proxyTrusted?: boolean;
  /**
   * Keys for the prediction endpoints (an admin key is accepted too). Empty: they are open, as the
   * original service's clients expect.
   * @default []
   */
  predictApiKeys?: string[];
}

/** Who a request says it is: the key it presented, if any, as `Authorization: Bearer` or `X-API-Key`. */
export function presentedKey(request: Request): string | undefined {
  return /^Bearer (.+)$/.exec(request.header('authorization') ?? '')?.[1] ?? request.header('x-api-key');
}

/**
 * Whether the peer of the connection is this machine: the socket's address, never `request.ip`
 * or a forwarded header.
 */
export function isLoopbackPeer(request: Request): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

class KeyRing {
  private readonly keys: Buffer[];

  constructor(keys: readonly string[]) {
    this.keys = keys.map((k) => Buffer.from(k));
  }

  get empty(): boolean {
    return this.keys.length === 0;
  }

  // Constant-time comparison, so response timing does not reveal how much of a key matched.
  has(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    const presented = Buffer.from(candidate);
    return this.keys.some((key) => key.length === presented.length && timingSafeEqual(key, presented));
  }
}

/** The configured keys and the decisions made from them; one instance, so it warns once. */
@Injectable()
export class ApiKeyPolicy {
  private readonly admin: KeyRing;
  private readonly predict: KeyRing;
  private readonly clientIds = new Map<string, string>();
  private readonly proxyTrusted: boolean;

  constructor(@Inject(API_KEYS_OPTIONS) options: ApiKeysOptions) {
    this.admin = new KeyRing(options.adminApiKeys ?? []);
    this.predict = new KeyRing(options.predictApiKeys ?? []);
    this.proxyTrusted = options.proxyTrusted ?? false;
    if (this.admin.empty) {
      new Logger(ApiKeyPolicy.name).warn(
        this.proxyTrusted
          ? 'ADMIN_API_KEYS is not set and TRUST_PROXY is: history, export, erasure, outcomes, monitoring reports and ' +
              'metrics refuse every client (behind a proxy every client may look local); set ADMIN_API_KEYS'
          : 'ADMIN_API_KEYS is not set: history, export, erasure, outcomes, monitoring reports and metrics answer loopback clients only',
      );
    }
  }

  /** Throws 401 unless the request may read or erase personal data. */
  assertAdmin(request: Request): void {
    if (this.admin.empty && this.proxyTrusted) {
      throw new UnauthorizedException(
        'This endpoint reads or erases personal data and is closed: the server trusts a reverse proxy (TRUST_PROXY), ' +
          'so a client on this machine may be the proxy relaying anyone. Set ADMIN_API_KEYS on the server, then send a ' +
          'key as "Authorization: Bearer <key>" or "X-API-Key"',
      );
    }
    if (this.admin.empty) {
      if (isLoopbackPeer(request)) return;
      throw new UnauthorizedException(
        'This endpoint reads or erases personal data and answers only local clients until ADMIN_API_KEYS is set ' +
          'on the server; then send a key as "Authorization: Bearer <key>" or "X-API-Key"',
      );
    }
    if (this.admin.has(presentedKey(request))) return;
    throw new UnauthorizedException(ADMIN_KEY_MISSING);
  }

  /** Throws 401 when prediction keys are configured and the request has neither one nor an admin key. */
  assertPredict(request: Request): void {
    if (this.predict.empty) return;
    const key = presentedKey(request);
    if (this.predict.has(key) || this.admin.has(key)) return;
    throw new UnauthorizedException(PREDICT_KEY_MISSING);
  }

  /**
   * A stable, non-secret name for the client, for rate limits: a digest of a valid key, or
   * undefined (the caller then falls back to the peer address).
   */
  clientId(request: Request): string | undefined {
    const key = presentedKey(request);
    if (!this.admin.has(key) && !this.predict.has(key)) return undefined;
    // Only configured keys get here, so the cache holds at most one name per configured key.
    let id = this.clientIds.get(key!);
    if (!id) this.clientIds.set(key!, (id = `key:${createHash('sha256').update(key!).digest('hex').slice(0, 16)}`));
    return id;
  }
}

@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(private readonly policy: ApiKeyPolicy) {}

  canActivate(context: ExecutionContext): boolean {
    this.policy.assertAdmin(context.switchToHttp().getRequest<Request>());
    return true;
  }
}

@Injectable()
export class PredictKeyGuard implements CanActivate {
  constructor(private readonly policy: ApiKeyPolicy) {}

  canActivate(context: ExecutionContext): boolean {
    this.policy.assertPredict(context.switchToHttp().getRequest<Request>());
    return true;
  }
}

/** The two ways to send a key, and the 401 with the example of the guard's own message. */
const documentKeys = (description: string, detail: string) =>
  applyDecorators(
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description, example: { statusCode: 401, error: 'Unauthorized', detail } }),
  );

/** Puts a controller (or route) behind AdminKeyGuard and documents the two ways to send the key. */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    documentKeys(
      'No valid admin key (or, without ADMIN_API_KEYS, a client that is not local, or any client when a proxy is trusted)',
      ADMIN_KEY_MISSING,
    ),
    UseGuards(AdminKeyGuard),
  );
}

/** Puts a prediction endpoint behind PredictKeyGuard (open unless PREDICT_API_KEYS is set). */
export function PredictKeyRequired(): ClassDecorator & MethodDecorator {
  return applyDecorators(documentKeys('PREDICT_API_KEYS is set and no valid key was sent', PREDICT_KEY_MISSING), UseGuards(PredictKeyGuard));
}

/** The API keys, the policy built from them and its guards, for every module of the app. */
@Module({})
export class ApiKeysModule {
  static forRootAsync(options: AsyncModuleOptions<ApiKeysOptions>): DynamicModule {
    return {
      module: ApiKeysModule,
      global: true,
      imports: options.imports ?? [],
      providers: [optionsProvider(API_KEYS_OPTIONS, options), ApiKeyPolicy, AdminKeyGuard, PredictKeyGuard],
      exports: [ApiKeyPolicy, AdminKeyGuard, PredictKeyGuard],
    };
  }
}
