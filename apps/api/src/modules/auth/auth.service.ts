import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppException, AuthUser, ErrorCode, Role } from '@app/common';
import { Types } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { PublicUser, toPublicUser } from '../users/users.mapper';
import { UserRecord } from '../users/schemas/user.schema';
import { UsersService } from '../users/users.service';
import { JWT_AUDIENCE, JWT_ISSUER, TokenClaims } from './auth.constants';
import { AuthRepository } from './auth.repository';
import { RegisterDto } from './dto/register.dto';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';

export interface Session {
  user: PublicUser & { isEmailVerified: boolean };
  token: string;
}

const INVALID_CREDENTIALS = 'Invalid email or password';

/** Accounts and sessions: registration, login, logout, and who a token belongs to. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly repository: AuthRepository,
    private readonly jwt: JwtService,
  ) {}

  async register(input: RegisterDto): Promise<Session> {
    const passwordHash = await hashPassword(input.password);
    let user: UserRecord;
    try {
      user = await this.users.create({
        firstName: input.firstName,
        lastName: input.lastName,
        email: input.email,
        passwordHash,
        phoneNumber: input.phoneNumber ?? null,
      });
    } catch (error) {
      // The unique index decides, so two concurrent registrations of one email get one account.
      if ((error as { code?: number }).code === 11000) {
        throw new AppException(ErrorCode.CONFLICT, 'An account with this email already exists');
      }
      throw error;
    }
    return this.session(user);
  }

  /** A wrong password and an unknown email get the same answer, after the same bcrypt work. */
  async login(email: string, password: string): Promise<Session> {
    const user = await this.users.findByEmailWithPassword(email);
    const matches = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !matches || user.accountStatus === 'deleted') {
      throw new AppException(ErrorCode.UNAUTHORIZED, INVALID_CREDENTIALS);
    }
    if (user.accountStatus === 'suspended') {
      throw new AppException(ErrorCode.FORBIDDEN, 'This account is suspended; contact support');
    }
    const online = await this.users.setPresence(user._id.toHexString(), 'online');
    return this.session(online);
  }

  /** Revokes this token (kept until it would expire) and sets presence offline. */
  async logout(me: AuthUser): Promise<void> {
    await this.repository.revoke(me.jti, me.id, new Date(me.exp * 1000));
    await this.users.setPresence(me.id, 'offline');
  }

  /**
   * Who a verified token belongs to, or 401: the user must exist, be active, and the token must
   * carry the user's current token version and not be revoked. Runs on every request.
   */
  async authenticate(claims: Partial<TokenClaims>): Promise<AuthUser> {
    const { sub, jti, ver, exp } = claims;
    if (typeof sub !== 'string' || !Types.ObjectId.isValid(sub) || typeof jti !== 'string' || typeof ver !== 'number') {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Invalid authentication token');
    }
    const [user, revoked] = await Promise.all([this.users.findById(sub), this.repository.isRevoked(jti)]);
    if (!user || user.accountStatus === 'deleted') {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'The account of this token no longer exists');
    }
    if (user.accountStatus === 'suspended') {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'This account is suspended');
    }
    if (revoked || user.tokenVersion !== ver) {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'This token has been revoked; sign in again');
    }
    return { id: sub, role: user.role, jti, exp: exp ?? 0 };
  }

  async issueToken(user: Pick<UserRecord, '_id' | 'role' | 'tokenVersion'>): Promise<string> {
    return this.jwt.signAsync(
      { sub: user._id.toHexString(), role: user.role as Role, ver: user.tokenVersion },
      {
        algorithm: 'HS256',
        jwtid: randomUUID(),
        expiresIn: this.config.jwt.expiresInSeconds,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
    );
  }

  private async session(user: UserRecord): Promise<Session> {
    return {
      user: { ...toPublicUser(user), isEmailVerified: user.isEmailVerified },
      token: await this.issueToken(user),
    };
  }
}
