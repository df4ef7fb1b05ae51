import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Role } from '../domain/vocabulary';

/** Who the request is authenticated as; set by the JWT guard. */
export interface AuthUser {
  id: string;
  role: Role;
  /** The token's id, for logout. */
  jti: string;
  /** When the token expires (seconds since the epoch). */
  exp: number;
}

/** The authenticated user of the request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  return context.switchToHttp().getRequest<{ user: AuthUser }>().user;
});
