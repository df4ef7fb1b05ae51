import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AuthToken, AuthTokenPurpose } from './schemas/auth-token.schema';
import { RevokedToken } from './schemas/revoked-token.schema';

/** The only place that touches `revoked_tokens` and `auth_tokens`. */
@Injectable()
export class AuthRepository {
  constructor(
    @InjectModel(RevokedToken.name) private readonly revoked: Model<RevokedToken>,
    @InjectModel(AuthToken.name) private readonly tokens: Model<AuthToken>,
  ) {}

  /** Idempotent: logging out twice with one token stores it once. */
  async revoke(jti: string, userId: string, expiresAt: Date): Promise<void> {
    await this.revoked.updateOne({ _id: jti }, { $setOnInsert: { userId, expiresAt } }, { upsert: true });
  }

  /** By `_id`: the one lookup the embedded database can push down. */
  async isRevoked(jti: string): Promise<boolean> {
    return (await this.revoked.findById(jti).select('_id').lean().exec()) !== null;
  }

  /** Housekeeping: entries whose token has expired anyway. */
  async purgeExpired(now = new Date()): Promise<number> {
    return (await this.revoked.deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  }

  async createEmailToken(token: Pick<AuthToken, '_id' | 'userId' | 'purpose' | 'expiresAt'>): Promise<void> {
    await this.tokens.create({ ...token, usedAt: null });
  }

  /** Marks every unused token of this user and purpose as used (a newer one supersedes them). */
  async retireEmailTokens(userId: string, purpose: AuthTokenPurpose, now = new Date()): Promise<void> {
    await this.tokens.updateMany({ userId, purpose, usedAt: null }, { $set: { usedAt: now } }).exec();
  }

  /**
   * Uses a token once: one conditional atomic update, so of any number of concurrent attempts
   * exactly one gets the token back. Unknown, used, expired or other-purpose: null.
   */
  async consumeEmailToken(hash: string, purpose: AuthTokenPurpose, now = new Date()): Promise<AuthToken | null> {
    return this.tokens
      .findOneAndUpdate({ _id: hash, purpose, usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now } })
      .lean<AuthToken>()
      .exec();
  }

  /** Housekeeping: tokens that can no longer be used. */
  async purgeEmailTokens(now = new Date()): Promise<number> {
    const { deletedCount } = await this.tokens
      .deleteMany({ $or: [{ expiresAt: { $lt: now } }, { usedAt: { $ne: null } }] })
      .exec();
    return deletedCount;
  }
}
