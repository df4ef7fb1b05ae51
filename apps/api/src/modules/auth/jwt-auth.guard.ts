import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, AuthUser, authUserOf, ErrorCode, IS_PUBLIC } from '@app/common';
import { HandlerMetadata } from '../../core/http/handler-metadata';
import { BearerStrategy } from './bearer.strategy';

interface HttpRequest {
  headers: Record<string, unknown>;
  user?: AuthUser;
}

/**
 * Global: every route needs a valid token unless it is marked `@Public()`.
 * - HTTP: the bearer token, checked by BearerStrategy → AuthService.verifyToken (signature,
 *   expiry, revocation, token version, account status; tokens accepted lately from memory).
 * - Socket.IO: the gateway runs the same AuthService.verifyToken on the handshake's token and
 *   keeps the user on the socket; a message passes only from such a socket (a socket whose token
 *   is revoked later is disconnected by the gateway).
 * - Any other transport is refused.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly isPublic: HandlerMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly strategy: BearerStrategy,
  ) {
    this.isPublic = new HandlerMetadata(reflector, IS_PUBLIC);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const open = this.isPublic.of(context) === true;
    const type = context.getType();
    switch (type) {
      case 'http':
        return open ? true : this.authenticate(context).then(() => true);
      case 'ws':
        if (open || authUserOf(context)) return true;
        throw new AppException(ErrorCode.UNAUTHORIZED, 'Authentication required: connect with auth.token');
      default:
        throw new AppException(ErrorCode.UNAUTHORIZED, `Unsupported transport: ${type}`);
    }
  }

  /**
   * The same checks as on a closed route, whatever `@Public()` says: for guards that open a
   * public route further only to some users. Throws the same 401s (503 when the database cannot
   * be reached: no verdict on the token); on success the user is also the request's `user`.
   */
  authenticate(context: ExecutionContext): Promise<AuthUser> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const response = context.switchToHttp().getResponse<unknown>();
    return new Promise<AuthUser>((resolve, reject) => {
      const done = (error: Error | null, user: AuthUser | false) => {
        // BearerStrategy.validate throws AppExceptions (and database errors, answered 503).
        if (error) return reject(error);
        if (!user) return reject(new AppException(ErrorCode.UNAUTHORIZED, 'Invalid authentication token'));
        request.user = user;
        resolve(user);
      };
      const middleware = this.strategy.getPassportInstance().authenticate('jwt', { session: false }, done) as (
        request: unknown,
        response: unknown,
        next: (error?: unknown) => void,
      ) => void;
      middleware(request, response, reject);
    });
  }
}
