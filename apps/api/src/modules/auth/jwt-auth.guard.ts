import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppException, AuthUser, authUserOf, ErrorCode, IS_PUBLIC } from '@app/common';
import { isDatabaseUnavailable } from '../../core/database/database-unavailable';

/**
 * Global: every route needs a valid token unless it is marked `@Public()`.
 * - HTTP: the bearer token, checked by JwtStrategy → AuthService.authenticate (signature, expiry,
 *   revocation, token version, account status).
 * - Socket.IO: the gateway runs the same AuthService.authenticate on the handshake's token and
 *   keeps the user on the socket; a message passes only from such a socket (a socket whose token
 *   is revoked later is disconnected by the gateway).
 * - Any other transport is refused.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    const type = context.getType();
    switch (type) {
      case 'http':
        return open ? true : super.canActivate(context);
      case 'ws':
        if (open || authUserOf(context)) return true;
        throw new AppException(ErrorCode.UNAUTHORIZED, 'Authentication required: connect with auth.token');
      default:
        throw new AppException(ErrorCode.UNAUTHORIZED, `Unsupported transport: ${type}`);
    }
  }

  /**
   * The same checks as on a closed route (signature, expiry, revocation, token version, account
   * status), whatever `@Public()` says: for guards that open a public route further only to some
   * users. Throws the same 401s; on success the user is also the request's `user`.
   */
  async authenticate(context: ExecutionContext): Promise<AuthUser> {
    await super.canActivate(context);
    return context.switchToHttp().getRequest<{ user: AuthUser }>().user;
  }

  /** Every failure is 401 UNAUTHORIZED; the message says why without echoing the token. */
  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    // An unreachable database is no verdict on the token: 503, so clients keep it and try again.
    if (error instanceof AppException || isDatabaseUnavailable(error)) throw error;
    if (error || !user) {
      const name = (info as { name?: string } | undefined)?.name;
      const message =
        name === 'TokenExpiredError'
          ? 'The authentication token has expired; sign in again'
          : info instanceof Error && /No auth token/i.test(info.message)
            ? 'Authentication required: send Authorization: Bearer <token>'
            : 'Invalid authentication token';
      throw new AppException(ErrorCode.UNAUTHORIZED, message);
    }
    return user;
  }
}
