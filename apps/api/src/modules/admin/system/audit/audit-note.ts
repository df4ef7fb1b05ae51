import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/**
 * What an admin handler tells the audit trail beyond what the request shows: the changed fields
 * before and after. The audit interceptor records every admin write anyway (who, what, target,
 * input, outcome); a handler that knows the change adds it:
 *
 *   @Put(':userId')
 *   async update(@Param('userId') id: string, @Body() body: UpdateUserDto, @AuditNote() audit: AuditChanges) {
 *     const before = await this.users.get(id);
 *     const after = await this.users.update(id, body);
 *     audit.changed(pick(before, Object.keys(body)), pick(after, Object.keys(body)));
 *     ...
 *   }
 *
 * Values are redacted by key before they are stored (passwords, hashes, tokens never appear).
 */
export class AuditChanges {
  before?: unknown;
  after?: unknown;

  changed(before: unknown, after: unknown): void {
    this.before = before;
    this.after = after;
  }
}

const AUDIT_CHANGES = Symbol('admin:audit-changes');

interface NotedRequest {
  [AUDIT_CHANGES]?: AuditChanges;
}

/** The request's holder, created on first use (by the handler or the interceptor). */
export function auditChangesOf(request: object): AuditChanges {
  const noted = request as NotedRequest;
  return (noted[AUDIT_CHANGES] ??= new AuditChanges());
}

/** The request's AuditChanges, for a handler to report before/after (see AuditChanges). */
export const AuditNote = createParamDecorator((_data: unknown, context: ExecutionContext): AuditChanges =>
  auditChangesOf(context.switchToHttp().getRequest<object>()),
);
