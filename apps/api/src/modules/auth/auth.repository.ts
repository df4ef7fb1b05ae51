import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { RevokedToken } from './schemas/revoked-token.schema';

@Injectable()
export class AuthRepository {
  constructor(@InjectModel(RevokedToken.name) private readonly revoked: Model<RevokedToken>) {}

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
}
