import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isDuplicateKey } from '@app/common';
import { Model } from 'mongoose';
import { CallPasswordFailure, PasswordFailureRecord, passwordFailureId } from '../schemas/call-password-failure.schema';

/**
 * The `call_password_failures` collection: wrong call passwords per (call, user) in a window.
 * Read and changed by `_id` only (the one indexed path on the embedded database).
 */
@Injectable()
export class PasswordFailureRepository {
  constructor(@InjectModel(CallPasswordFailure.name) private readonly failures: Model<CallPasswordFailure>) {}

  find(callId: string, userId: string): Promise<PasswordFailureRecord | null> {
    return this.failures.findById(passwordFailureId(callId, userId)).lean<PasswordFailureRecord>().exec();
  }

  /** One more failure in the window that is still open at `now`; null when there is none. */
  countInOpenWindow(callId: string, userId: string, now: Date): Promise<PasswordFailureRecord | null> {
    return this.failures
      .findOneAndUpdate(
        { _id: passwordFailureId(callId, userId), windowEndsAt: { $gt: now } },
        { $inc: { failures: 1 } },
        { new: true },
      )
      .lean<PasswordFailureRecord>()
      .exec();
  }

  /**
   * The first failure of a new window, replacing a window that has passed. null when a
   * concurrent failure started the window first (the caller counts again).
   */
  async startWindow(
    callId: string,
    userId: string,
    now: Date,
    windowEndsAt: Date,
  ): Promise<PasswordFailureRecord | null> {
    try {
      return await this.failures
        .findOneAndUpdate(
          { _id: passwordFailureId(callId, userId), windowEndsAt: { $lte: now } },
          { $set: { failures: 1, windowEndsAt } },
          { new: true, upsert: true },
        )
        .lean<PasswordFailureRecord>()
        .exec();
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Removes counts whose window has passed. */
  async purgeExpired(now: Date): Promise<number> {
    const { deletedCount } = await this.failures.deleteMany({ windowEndsAt: { $lte: now } }).exec();
    return deletedCount;
  }
}
