import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppException, AuthUser, ErrorCode, isDuplicateKey } from '@app/common';
import { Types } from 'mongoose';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { MailService, passwordResetMail, verificationMail } from '../mail';
import { PublicUser, toPublicUser, UserRecord, UsersService } from '../users';
import { JWT_AUDIENCE, JWT_ISSUER, TokenClaims } from './auth.constants';
import { AuthRepository } from './auth.repository';
import { CheckedToken, CheckedTokens } from './checked-tokens';
import { RegisterDto } from './dto/register.dto';
import { hashEmailToken, isEmailTokenShaped, newEmailToken } from './email-tokens';
import { dummyPasswordHash, hashPassword, verifyPassword } from '@app/common';
import { AuthTokenPurpose } from './schemas/auth-token.schema';
import { EventBus } from '../../core/events';

export interface Session {
  user: PublicUser & { isEmailVerified: boolean };
  token: string;
}

const INVALID_CREDENTIALS = 'Invalid email or password';
/** One answer for every link that cannot be used, so it tells nothing about why. */
export const INVALID_LINK = 'This link is invalid or has expired';

/**
 * Accounts and sessions: registration, login, logout, who a token belongs to, and the password
 * and email flows (change, forgot/reset, verify, resend) with their single-use email tokens.
 */
@Injectable()
export class AuthService implements OnModuleDestroy {
  private readonly log: Logger;
  /** Mail work that requests do not wait for; finished before the database closes. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly users: UsersService,
    private readonly repository: AuthRepository,
    private readonly jwt: JwtService,
    private readonly mail: MailService,
    private readonly events: EventBus,
    private readonly checked: CheckedTokens,
  ) {
    this.log = logger.child({ context: 'AuthService' });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

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
      if (isDuplicateKey(error)) {
        throw new AppException(ErrorCode.CONFLICT, 'An account with this email already exists');
      }
      throw error;
    }
    this.events.publish('user.registered', {
      userId: user._id.toHexString(),
      role: user.role,
      at: new Date().toISOString(),
    });
    this.inBackground('verification mail', () => this.mailToken(user, 'verify-email'));
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
    // The status the user chose stays as it was (others see `offline` until a socket connects).
    return this.session(user);
  }

  /**
   * Revokes this token (kept until it would expire); its sockets are closed, so others see the
   * user offline once no session is left. The status the user chose is kept for the next sign-in.
   */
  async logout(me: AuthUser): Promise<void> {
    await this.repository.revoke(me.jti, me.id, new Date(me.exp * 1000));
    this.events.publish('user.tokens.revoked', {
      userId: me.id,
      reason: 'logout',
      jti: me.jti,
      at: new Date().toISOString(),
    });
  }

  /**
   * A new password for the signed-in user. Bumps the token version, so every earlier token
   * (this one included) stops working; the caller gets a fresh one and stays signed in.
   */
  async changePassword(me: AuthUser, currentPassword: string, newPassword: string): Promise<Session> {
    const user = await this.users.findByIdWithPassword(me.id);
    if (!user) throw new AppException(ErrorCode.UNAUTHORIZED, 'The account of this token no longer exists');
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw new AppException(ErrorCode.BAD_REQUEST, 'The current password is incorrect', [
        { field: 'currentPassword', message: 'currentPassword is incorrect' },
      ]);
    }
    if (newPassword === currentPassword) {
      throw new AppException(ErrorCode.BAD_REQUEST, 'The new password must differ from the current one', [
        { field: 'newPassword', message: 'newPassword must differ from currentPassword' },
      ]);
    }
    const updated = await this.users.setPassword(me.id, await hashPassword(newPassword));
    if (!updated) throw new AppException(ErrorCode.UNAUTHORIZED, 'The account of this token no longer exists');
    this.publishTokensRevoked(updated, 'password-changed');
    await this.repository.retireEmailTokens(me.id, 'reset-password');
    return this.session(updated);
  }

  /**
   * Mails a reset link to an active account. The caller answers the same whether or not the
   * email is known; both cases do the same lookup, and the token and mail work runs afterwards,
   * so the response time does not tell either.
   */
  async forgotPassword(email: string): Promise<void> {
    const user = await this.users.findByEmailWithPassword(email);
    if (user?.accountStatus === 'active') {
      this.inBackground('password reset mail', () => this.mailToken(user, 'reset-password'));
    }
  }

  /** Uses a reset link once: sets the password and revokes every earlier session token. */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const user = await this.consumeLink(token, 'reset-password');
    const updated = await this.users.setPassword(user._id.toHexString(), await hashPassword(newPassword));
    if (updated) this.publishTokensRevoked(updated, 'password-reset');
    await this.repository.retireEmailTokens(user._id.toHexString(), 'reset-password');
  }

  /** Every token issued before the user's new token version stopped working. */
  private publishTokensRevoked(user: UserRecord, reason: 'password-changed' | 'password-reset'): void {
    this.events.publish('user.tokens.revoked', {
      userId: user._id.toHexString(),
      reason,
      tokenVersion: user.tokenVersion,
      at: new Date().toISOString(),
    });
  }

  async verifyEmail(token: string): Promise<void> {
    const user = await this.consumeLink(token, 'verify-email');
    await this.users.markEmailVerified(user._id.toHexString());
    await this.repository.retireEmailTokens(user._id.toHexString(), 'verify-email');
  }

  /** A new verification link for an active, unverified account; the caller answers the same either way. */
  async resendVerification(email: string): Promise<void> {
    const user = await this.users.findByEmailWithPassword(email);
    if (user?.accountStatus === 'active' && !user.isEmailVerified) {
      this.inBackground('verification mail', () => this.mailToken(user, 'verify-email'));
    }
  }

  /**
   * Who a verified token belongs to, or 401: the user must exist, be active, and the token must
   * carry the user's current token version and not be revoked. Runs on every request.
   */
  async authenticate(claims: Partial<TokenClaims>): Promise<AuthUser> {
    const { sub, jti, ver, exp } = claims;
    // `exp` is required (RFC 8725): a token without one would never expire, and its logout
    // record (kept until the token expires) would be purged at once.
    if (
      typeof sub !== 'string' ||
      !Types.ObjectId.isValid(sub) ||
      typeof jti !== 'string' ||
      typeof ver !== 'number' ||
      typeof exp !== 'number' ||
      !Number.isFinite(exp)
    ) {
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
    return { id: sub, role: user.role, jti, exp };
  }

  /**
   * Who a bearer token (an `Authorization` header's or the Socket.IO handshake's) belongs to:
   * HS256 only, issuer, audience and expiry, then as `authenticate` does; with the token version
   * it was issued with, so a holder can tell later whether a password change revoked it. A token
   * this instance accepted lately is answered from memory (CheckedTokens), with no signature check
   * and no database read. Every failure is a 401 AppException.
   */
  async verifyToken(token: string): Promise<CheckedToken> {
    const known = this.checked.get(token);
    if (known) return known;
    const ticket = this.checked.ticket();
    const claims = this.verifySignature(token);
    const user = await this.authenticate(claims);
    // authenticate checked that `ver` is a number equal to the user's current token version.
    const checked: CheckedToken = { user, tokenVersion: claims.ver as number };
    this.checked.put(token, checked, ticket);
    return checked;
  }

  private verifySignature(token: string): Partial<TokenClaims> {
    try {
      return this.jwt.verify<Partial<TokenClaims>>(token, {
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
  }

  async issueToken(user: Pick<UserRecord, '_id' | 'role' | 'tokenVersion'>): Promise<string> {
    return this.jwt.signAsync(
      { sub: user._id.toHexString(), role: user.role, ver: user.tokenVersion },
      {
        algorithm: 'HS256',
        jwtid: randomUUID(),
        expiresIn: this.config.jwt.expiresInSeconds,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
    );
  }

  /** The user a link token was issued to, after using it up; any failure is the one 400. */
  private async consumeLink(token: string, purpose: AuthTokenPurpose): Promise<UserRecord> {
    const invalid = () => new AppException(ErrorCode.BAD_REQUEST, INVALID_LINK);
    if (!isEmailTokenShaped(token)) throw invalid();
    const used = await this.repository.consumeEmailToken(hashEmailToken(token), purpose);
    if (!used) throw invalid();
    const user = await this.users.findById(used.userId);
    if (!user || user.accountStatus !== 'active') throw invalid();
    return user;
  }

  /** Issues a link token (superseding the user's unused ones of that purpose) and mails it. */
  private async mailToken(user: UserRecord, purpose: AuthTokenPurpose): Promise<void> {
    const userId = user._id.toHexString();
    const ttlSeconds =
      purpose === 'verify-email'
        ? this.config.tokens.emailVerificationTtlSeconds
        : this.config.tokens.passwordResetTtlSeconds;
    const { token, hash } = newEmailToken();
    await this.repository.retireEmailTokens(userId, purpose);
    await this.repository.createEmailToken({
      _id: hash,
      userId,
      purpose,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    });
    const link = this.mail.link(purpose, token);
    const content =
      purpose === 'verify-email' ? verificationMail(user, link, ttlSeconds) : passwordResetMail(user, link, ttlSeconds);
    await this.mail.send({ to: user.email, link, ...content });
  }

  /** Runs work the response does not wait for; a failure is logged (without values that could hold a token). */
  private inBackground(what: string, task: () => Promise<void>): void {
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        const { name, code } = error as { name?: string; code?: unknown };
        this.log.error({ error: name, code }, `${what} failed`);
      })
      .finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  private async session(user: UserRecord): Promise<Session> {
    return {
      user: { ...toPublicUser(user), isEmailVerified: user.isEmailVerified },
      token: await this.issueToken(user),
    };
  }
}
