import { createHash, timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Role } from '@app/common';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { HandlerMetadata } from '../../core/http/handler-metadata';
import { JwtAuthGuard, requireRole } from '../auth';

/**
 * Who may read a health route when `HEALTH_DETAILS=admin` (with `public` every route is open and
 * shows everything):
 * - `probe`: anyone, and the answer holds nothing about the host;
 * - `summary`: anyone; the host's details (paths, names, versions) only with an admin's token;
 * - `details`: an admin's token only (401 without a valid token, 403 for other roles);
 * - `metrics`: like `details`, or `Authorization: Bearer <HEALTH_METRICS_TOKEN>` for a scraper.
 * A route without a level counts as `details`, so a new route stays closed until someone decides.
 */
export type HealthAccessLevel = 'probe' | 'summary' | 'details' | 'metrics';

const HEALTH_ACCESS = 'health:access';
const SEES_DETAILS = Symbol('health:sees-details');
const DETAIL_ROLES: readonly Role[] = ['admin'];

interface HealthRequest {
  headers: Record<string, string | string[] | undefined>;
  [SEES_DETAILS]?: boolean;
}

export const HealthAccess = (level: HealthAccessLevel) => {
  const decorators: MethodDecorator[] = [SetMetadata(HEALTH_ACCESS, level)];
  if (level === 'details' || level === 'metrics') {
    const who = level === 'metrics' ? "an admin's token or the metrics token" : "an admin's token";
    decorators.push(
      ApiBearerAuth(),
      ApiUnauthorizedResponse({ description: `With HEALTH_DETAILS=admin: needs ${who}` }),
      ApiForbiddenResponse({ description: 'With HEALTH_DETAILS=admin: the signed-in user is not an admin' }),
    );
  }
  return applyDecorators(...decorators);
};

/** Whether this request may see the host's details (set by HealthAccessGuard). */
export const SeesDetails = createParamDecorator(
  (_data: unknown, context: ExecutionContext): boolean =>
    context.switchToHttp().getRequest<HealthRequest>()[SEES_DETAILS] === true,
);

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Runs after the global guards; the health routes are `@Public()`, so the global JWT guard has
 * not looked at the token. Authentication reuses that guard's checks rather than a second one.
 */
@Injectable()
export class HealthAccessGuard implements CanActivate {
  private readonly detailsPublic: boolean;
  /** Digests have equal lengths, so the comparison is constant-time whatever the caller sends. */
  private readonly metricsTokenDigest?: Buffer;
  private readonly levels: HandlerMetadata<HealthAccessLevel>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    reflector: Reflector,
    private readonly jwt: JwtAuthGuard,
  ) {
    this.levels = new HandlerMetadata(reflector, HEALTH_ACCESS);
    this.detailsPublic = config.health.details === 'public';
    this.metricsTokenDigest = config.health.metricsToken ? sha256(config.health.metricsToken) : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HealthRequest>();
    if (this.detailsPublic) {
      request[SEES_DETAILS] = true;
      return true;
    }
    const level = this.levels.of(context) ?? 'details';
    if (level === 'probe') return true;
    if (level === 'summary') {
      request[SEES_DETAILS] = await this.isAdmin(context, request);
      return true;
    }
    if (level === 'metrics' && this.hasMetricsToken(request)) {
      request[SEES_DETAILS] = true;
      return true;
    }
    requireRole(await this.jwt.authenticate(context), DETAIL_ROLES);
    request[SEES_DETAILS] = true;
    return true;
  }

  /**
   * A summary never fails on its token: a probe must not turn red because of a header. Without
   * a token nothing is looked up, so probes cost no database round trip.
   */
  private async isAdmin(context: ExecutionContext, request: HealthRequest): Promise<boolean> {
    if (!request.headers.authorization) return false;
    try {
      requireRole(await this.jwt.authenticate(context), DETAIL_ROLES);
      return true;
    } catch {
      return false;
    }
  }

  private hasMetricsToken(request: HealthRequest): boolean {
    const header = request.headers.authorization;
    if (!this.metricsTokenDigest || typeof header !== 'string') return false;
    const match = /^bearer (.+)$/i.exec(header);
    return match !== null && timingSafeEqual(sha256(match[1]), this.metricsTokenDigest);
  }
}
