import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppException, ErrorCode } from '@app/common';
import { AuthService, JWT_AUDIENCE, JWT_ISSUER, TokenClaims } from '../auth';
import { SocketData } from './realtime.protocol';

/**
 * The handshake's token, checked as a bearer token is on HTTP: the signature, HS256 only, issuer,
 * audience and expiry as JwtStrategy verifies them, then AuthService.authenticate (account
 * status, revocation, token version). Every failure is an UNAUTHORIZED AppException.
 */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly jwt: JwtService,
    private readonly auth: AuthService,
  ) {}

  async authenticate(token: unknown): Promise<SocketData> {
    if (typeof token !== 'string' || token === '') {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Authentication required: connect with auth.token');
    }
    let claims: Partial<TokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<TokenClaims>>(token, {
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        ignoreExpiration: false,
      });
    } catch (error) {
      const expired = (error as { name?: string }).name === 'TokenExpiredError';
      throw new AppException(
        ErrorCode.UNAUTHORIZED,
        expired ? 'The authentication token has expired; sign in again' : 'Invalid authentication token',
      );
    }
    const user = await this.auth.authenticate(claims);
    // authenticate checked that `ver` is a number equal to the user's current token version.
    return { user, tokenVersion: claims.ver as number };
  }
}
