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

/** A Socket.IO client as far as authentication goes: the gateway keeps the handshake's user in `data`. */
interface AuthenticatedSocket {
  data?: { user?: AuthUser };
}

/**
 * The authenticated user of a request (HTTP: set by the JWT guard) or of a socket message
 * (Socket.IO: set at the handshake). Any other transport is refused, not guessed at.
 */
export function authUserOf(context: ExecutionContext): AuthUser | undefined {
  const type = context.getType();
  switch (type) {
    case 'http':
      return context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    case 'ws':
      return context.switchToWs().getClient<AuthenticatedSocket>().data?.user;
    default:
      throw new Error(`Unsupported transport: ${type}`);
  }
}

/** The authenticated user of the request or socket message. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const user = authUserOf(context);
  // Only reachable on a route the JWT guard let through without a user: a @Public() route.
  if (!user) throw new Error('@CurrentUser() on a route without an authenticated user');
  return user;
});
