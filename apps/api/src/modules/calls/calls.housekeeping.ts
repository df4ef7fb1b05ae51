import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { CallPasswordAttempts } from './access/call-password-attempts.service';
import { CallEndingService } from './lifecycle/call-ending.service';
import { CallRepository } from './repositories/call.repository';
import { CallRecord, EndReason } from './schemas/call.schema';

export const CALLS_HOUSEKEEPING_INTERVAL = Symbol('CALLS_HOUSEKEEPING_INTERVAL');
const DEFAULT_INTERVAL_MS = 60_000;
/** A scheduled call that has not started this long after its time is ended (`expired`). */
export const SCHEDULED_GRACE_SECONDS = 24 * 3600;

/**
 * Periodic clean-up: ends active calls with nobody joined for CALL_IDLE_TIMEOUT (`idle`) and
 * scheduled calls that never started a day after their time (`expired`), and drops counts of
 * wrong call passwords whose window has passed. Every end is a
 * conditional update, so several app instances may sweep at once.
 */
@Injectable()
export class CallsHousekeeping implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly calls: CallRepository,
    private readonly ending: CallEndingService,
    private readonly passwordAttempts: CallPasswordAttempts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(CALLS_HOUSEKEEPING_INTERVAL) private readonly intervalMs: number = DEFAULT_INTERVAL_MS,
  ) {
    this.log = logger.child({ context: 'CallsHousekeeping' });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** How many calls a sweep at `now` would end (idle active ones, scheduled ones that never started). */
  async countStale(now = new Date()): Promise<{ idle: number; expired: number }> {
    const idleSeconds = this.config.calls?.idleTimeoutSeconds ?? 600;
    const [idle, expired] = await Promise.all([
      this.calls.idleCalls(new Date(now.getTime() - idleSeconds * 1000)),
      this.calls.staleScheduledCalls(new Date(now.getTime() - SCHEDULED_GRACE_SECONDS * 1000)),
    ]);
    return { idle: idle.length, expired: expired.length };
  }

  async sweep(now = new Date()): Promise<{ idle: number; expired: number }> {
    const idleSeconds = this.config.calls?.idleTimeoutSeconds ?? 600;
    const idle = await this.endIdleCalls(now, idleSeconds);
    const expired = await this.endStaleScheduledCalls(now, SCHEDULED_GRACE_SECONDS);
    await this.passwordAttempts.purgeExpired(now);
    return { idle, expired };
  }

  /** Ends active calls that have had nobody joined since before `now - idleSeconds`. */
  private async endIdleCalls(now: Date, idleSeconds: number): Promise<number> {
    const idle = await this.calls.idleCalls(new Date(now.getTime() - idleSeconds * 1000));
    return this.endEach(idle, 'idle', now, true);
  }

  /** Ends scheduled calls that never started, `graceSeconds` after their scheduled time. */
  private async endStaleScheduledCalls(now: Date, graceSeconds: number): Promise<number> {
    const stale = await this.calls.staleScheduledCalls(new Date(now.getTime() - graceSeconds * 1000));
    return this.endEach(stale, 'expired', now, false);
  }

  /** How many of `calls` this sweep ended (another instance may have ended some first, or someone joined). */
  private async endEach(calls: CallRecord[], reason: EndReason, now: Date, onlyIfEmpty: boolean): Promise<number> {
    let ended = 0;
    for (const call of calls) {
      if (await this.ending.end(call._id, { by: 'system', userId: null, reason }, { now, onlyIfEmpty })) ended += 1;
    }
    return ended;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const result = await this.sweep();
      if (result.idle + result.expired > 0) this.log.info(result, 'calls ended by housekeeping');
    } catch (error) {
      this.log.warn({ error: (error as Error).name }, 'call housekeeping failed; retrying at the next interval');
    } finally {
      this.running = false;
    }
  }
}
