import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AppException, ErrorCode, isDuplicateKey } from '@app/common';
import { Model } from 'mongoose';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { CallPasswordFailure, PasswordFailureRecord, passwordFailureId } from './schemas/call-password-failure.schema';

/** Attempts at the two conditional writes of `recordFailure` before giving up under contention. */
const MAX_WRITE_ATTEMPTS = 3;

/**
 * The limit on guessing a call's password: a user who gave `CALL_PASSWORD_MAX_FAILURES` wrong
 * passwords for one call within `CALL_PASSWORD_FAILURE_WINDOW` seconds gets 429 on every join of
 * that call until the window passes, even with the right password (else the limit would not stop
 * a guesser). Counted in the database, so every instance shares the count; each failure is logged.
 * Per (call, user): a per-call count alone would let anyone lock a call's rightful guests out.
 */
@Injectable()
export class CallPasswordAttempts {
  private readonly log: Logger;

  constructor(
    @InjectModel(CallPasswordFailure.name) private readonly failures: Model<CallPasswordFailure>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'CallPasswordAttempts' });
  }

  /** 429 with Retry-After while the user has used up the window's wrong passwords for the call. */
  async assertMayTry(callId: string, userId: string, now = new Date()): Promise<void> {
    const record = await this.failures.findById(passwordFailureId(callId, userId)).lean<PasswordFailureRecord>().exec();
    if (!record || record.windowEndsAt <= now || record.failures < this.config.calls.passwordFailures.limit) return;
    const retryAfter = Math.max(1, Math.ceil((record.windowEndsAt.getTime() - now.getTime()) / 1000));
    throw new AppException(
      ErrorCode.TOO_MANY_REQUESTS,
      `Too many wrong passwords for this call; try again in ${retryAfter} seconds`,
      [],
      { 'Retry-After': String(retryAfter) },
    );
  }

  /** Counts a wrong password: one more in the live window, or the first of a new one. */
  async recordFailure(callId: string, userId: string, now = new Date()): Promise<void> {
    const _id = passwordFailureId(callId, userId);
    const { limit, windowSeconds } = this.config.calls.passwordFailures;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const counted =
        (await this.failures
          .findOneAndUpdate({ _id, windowEndsAt: { $gt: now } }, { $inc: { failures: 1 } }, { new: true })
          .lean<PasswordFailureRecord>()
          .exec()) ?? (await this.startWindow(_id, now, windowSeconds));
      if (counted) {
        this.log.warn({ callId, userId, failures: counted.failures, limit }, 'wrong call password');
        return;
      }
    }
  }

  /** Removes counts whose window has passed. */
  async purgeExpired(now = new Date()): Promise<number> {
    const { deletedCount } = await this.failures.deleteMany({ windowEndsAt: { $lte: now } }).exec();
    return deletedCount;
  }

  /** null when a concurrent failure started the window first (the caller counts again). */
  private async startWindow(_id: string, now: Date, windowSeconds: number): Promise<PasswordFailureRecord | null> {
    try {
      return await this.failures
        .findOneAndUpdate(
          { _id, windowEndsAt: { $lte: now } },
          { $set: { failures: 1, windowEndsAt: new Date(now.getTime() + windowSeconds * 1000) } },
          { new: true, upsert: true },
        )
        .lean<PasswordFailureRecord>()
        .exec();
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }
}
