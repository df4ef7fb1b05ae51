import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { AuthService } from '../auth';
import { SocketData } from './realtime.protocol';

/**
 * The handshake's token, checked as a bearer token is on HTTP (AuthService.verifyToken: HS256,
 * issuer, audience, expiry, then account status, revocation and token version). Every failure is
 * an UNAUTHORIZED AppException.
 */
@Injectable()
export class SocketAuthenticator {
  constructor(private readonly auth: AuthService) {}

  async authenticate(token: unknown): Promise<SocketData> {
    if (typeof token !== 'string' || token === '') {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Authentication required: connect with auth.token');
    }
    const { user, tokenVersion } = await this.auth.verifyToken(token);
    // The checked user is shared with other requests of this token: the socket keeps its own copy.
    return { user: { ...user }, tokenVersion };
  }
}
