import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { AppException, AuthUser, ErrorCode } from '@app/common';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import { AuthService } from './auth.service';

/** The header's value after `Bearer ` (scheme in any case), or undefined. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  return match && match[1].toLowerCase() === 'bearer' ? match[2] : undefined;
}

type Verify = (request: { headers: Record<string, unknown> }, done: (error: unknown, user?: AuthUser) => void) => void;

/** A passport strategy that hands the request to one verify function and reports its verdict. */
class RequestStrategy extends Strategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: { headers: Record<string, unknown> }): void {
    this.verify(request, (error, user) => (error ? this.error(error as Error) : this.success(user)));
  }
}

/** Each app's own passport, so two apps in one process (tests, tools) never share a strategy. */
const authenticators = new WeakMap<object, passport.Authenticator>();

/**
 * Bearer tokens on HTTP: AuthService.verifyToken (HS256 only, so `none` and every other
 * algorithm fail; issuer, audience, expiry; account status, revocation, token version), which
 * answers tokens it accepted lately from memory. Every failure is a 401 AppException.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(RequestStrategy, 'jwt') {
  constructor(private readonly auth: AuthService) {
    super();
  }

  getPassportInstance(): passport.Authenticator {
    let own = authenticators.get(this);
    if (!own) {
      own = new passport.Authenticator();
      authenticators.set(this, own);
    }
    return own;
  }

  async validate(request: { headers: Record<string, unknown> }): Promise<AuthUser> {
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Authentication required: send Authorization: Bearer <token>');
    }
    return (await this.auth.verifyToken(token)).user;
  }
}
