import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { AuthUser } from '@app/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'pino';
import { catchError, from, mergeMap, Observable } from 'rxjs';
import { LOGGER } from '../../../../core/core.module';
import { redactSecrets } from '../../../../core/logging/secret-keys';
import { AuditRecord } from '../logs/log-entry.schema';
import { LogStoreRepository } from '../logs/log-store.repository';
import { auditChangesOf } from './audit-note';

const ADMIN_PREFIX = '/api/admin/';

/**
 * The audit trail: every write (any method but GET and HEAD) under /api/admin, whichever slice
 * built the route, is recorded once its outcome is known, success or failure (validation errors,
 * 404, 409…). Refusals by the role guard never reach an interceptor and are not recorded: they
 * changed nothing and the request log has them. Registered app-wide (APP_INTERCEPTOR) by the admin
 * system module; other routes pass straight through.
 * The record is written before the response leaves, so an admin reading `logs?level=audit` right
 * after sees it; a failure to write it is logged as an error and does not change the response.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly log: Logger;

  constructor(
    private readonly store: LogStoreRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'AdminAudit' });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    if (request.method === 'GET' || request.method === 'HEAD' || !isAdminRoute(request)) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const action = actionName(request, context);
    return next.handle().pipe(
      mergeMap((result: unknown) => from(this.record(request, action, reply.statusCode).then(() => result))),
      catchError((error: unknown) =>
        from(
          this.record(request, action, statusOf(error)).then(() => {
            throw error;
          }),
        ),
      ),
    );
  }

  private async record(request: FastifyRequest & { user?: AuthUser }, action: string, status: number): Promise<void> {
    const changes = auditChangesOf(request);
    const record: AuditRecord = {
      time: new Date(),
      action,
      method: request.method,
      route: request.routeOptions.url ?? request.url,
      target: { ...(request.params as Record<string, string>) },
      // Admin routes all require a signed-in user; `unknown` only if a route were ever opened by mistake.
      actor: request.user ? { id: request.user.id, role: request.user.role } : { id: 'unknown', role: 'unknown' },
      ip: request.ip,
      requestId: String(request.id),
      status,
      ...inputOf(request),
      ...(changes.before !== undefined || changes.after !== undefined
        ? { changes: redactSecrets({ before: changes.before, after: changes.after }) as AuditRecord['changes'] }
        : {}),
    };
    try {
      await this.store.insertAudit(record);
      this.log.info({ audit: { action, actor: record.actor, target: record.target, status } }, 'admin action');
    } catch (error) {
      this.log.error({ err: error, audit: { action, requestId: record.requestId } }, 'audit record not stored');
    }
  }
}

function isAdminRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? '').startsWith(ADMIN_PREFIX);
}

/** `<slice>.<handler>`: `/api/admin/users/:userId/suspend` handled by `suspend` → `users.suspend`. */
function actionName(request: FastifyRequest, context: ExecutionContext): string {
  const slice = (request.routeOptions.url ?? '').slice(ADMIN_PREFIX.length).split('/')[0] || 'admin';
  return `${slice}.${context.getHandler().name}`;
}

function statusOf(error: unknown): number {
  return error instanceof HttpException ? error.getStatus() : 500;
}

/** The body and query as sent, secrets redacted; left out when empty. */
function inputOf(request: FastifyRequest): Pick<AuditRecord, 'input'> {
  const input: Record<string, unknown> = {};
  if (isNonEmptyObject(request.body)) input.body = request.body;
  if (isNonEmptyObject(request.query)) input.query = request.query;
  return Object.keys(input).length > 0 ? { input: redactSecrets(input) as Record<string, unknown> } : {};
}

function isNonEmptyObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}
