import { Inject, Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/core.module';
import { PasswordFailureRepository } from '../repositories/password-failure.repository';

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
    private readonly failures: PasswordFailureRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'CallPasswordAttempts' });
  }

  /** 429 with Retry-After while the user has used up the window's wrong passwords for the call. */
  async assertMayTry(callId: string, userId: string, now = new Date()): Promise<void> {
    const record = await this.failures.find(callId, userId);
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
    const { limit, windowSeconds } = this.config.calls.passwordFailures;
    const windowEndsAt = new Date(now.getTime() + windowSeconds * 1000);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const counted =
        (await this.failures.countInOpenWindow(callId, userId, now)) ??
        (await this.failures.startWindow(callId, userId, now, windowEndsAt));
      if (counted) {
        this.log.warn({ callId, userId, failures: counted.failures, limit }, 'wrong call password');
        return;
      }
    }
  }

  /** Removes counts whose window has passed: such a count no longer limits anyone. */
  purgeExpired(now = new Date()): Promise<number> {
    return this.failures.purgeExpired(now);
  }
}
