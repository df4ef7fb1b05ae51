import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, AuthUser, authUserOf, ErrorCode, Role, ROLES } from '@app/common';
import { HandlerMetadata } from '../../core/http/handler-metadata';

/** 403 FORBIDDEN unless the user holds one of the roles; for guards that decide roles at run time. */
export function requireRole(user: AuthUser | undefined, roles: readonly Role[]): void {
  if (user && roles.includes(user.role)) return;
  throw new AppException(ErrorCode.FORBIDDEN, 'You do not have permission to do this');
}

/** `@Roles(...)`: the authenticated user (of the request or the socket) must hold one of the roles, else 403. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly roles: HandlerMetadata<Role[]>;

  constructor(reflector: Reflector) {
    this.roles = new HandlerMetadata(reflector, ROLES);
  }

  canActivate(context: ExecutionContext): boolean {
    const roles = this.roles.of(context);
    if (!roles?.length) return true;
    requireRole(authUserOf(context), roles);
    return true;
  }
}
