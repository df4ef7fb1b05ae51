import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppException, AuthUser, ErrorCode, IS_PUBLIC } from '@app/common';

/** Global: every route needs a valid token unless it is marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (context.getType() !== 'http') return true;
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return open ? true : super.canActivate(context);
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
    if (error instanceof AppException) throw error;
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
