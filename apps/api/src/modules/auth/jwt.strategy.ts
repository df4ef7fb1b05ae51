import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { AuthUser } from '@app/common';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { JWT_AUDIENCE, JWT_ISSUER, TokenClaims } from './auth.constants';
import { AuthService } from './auth.service';

/** Bearer tokens: HS256 only (so `none` and every other algorithm fail), with issuer, audience and expiry checked. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.secret,
      algorithms: ['HS256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  validate(claims: Partial<TokenClaims>): Promise<AuthUser> {
    return this.auth.authenticate(claims);
  }
}
