import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { AppException } from '@app/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { CallPasswordAttempts } from './access/call-password-attempts.service';
import { CallEndingService } from './lifecycle/call-ending.service';
import { CallLeaveService } from './lifecycle/call-leave.service';
import { CallRepository, StaleCalls } from './repositories/call.repository';
import { ParticipantRepository } from './repositories/participant.repository';
import { CallRecord, EndReason } from './schemas/call.schema';

export const CALLS_HOUSEKEEPING_INTERVAL = Symbol('CALLS_HOUSEKEEPING_INTERVAL');
const DEFAULT_INTERVAL_MS = 60_000;
/** A scheduled call that has not started this long after its time is ended (`expired`). */
export const SCHEDULED_GRACE_SECONDS = 24 * 3600;
/**
 * Open calls whose quiet participants are read in one query (on the embedded database each query
 * reads the whole participants collection, so few large batches; the open-call batch size).
 */
const QUIET_BATCH = 256;

/**
 * Whether the socket side looks after a participant: a socket of theirs is in the call room, or
 * their socket dropped out of it and the reconnect grace is deciding. Supplied by the realtime
 * module; without it (no Socket.IO server) nobody is.
 */
export type SocketAttendance = (callId: string, userId: string) => Promise<boolean>;

export interface SweepResult {
  idle: number;
  expired: number;
  /** Participants marked left for showing no sign of life for CALL_IDLE_TIMEOUT. */
  quiet: number;
}

/**
 * Periodic clean-up: marks left the joined participants without a socket in the call room who
 * showed no sign of life over REST (join, media update, chat message, token request) for
 * CALL_IDLE_TIMEOUT, through the ordinary leave (host hand-over, `all-left` for the last one);
 * ends active calls with nobody joined for CALL_IDLE_TIMEOUT (`idle`) and scheduled calls that
 * never started a day after their time (`expired`); drops counts of wrong call passwords whose
 * window has passed. It reads the open-call register (OpenCall), not
 * `calls`, so a sweep costs what the open calls cost. Every end is a conditional update, so
 * several app instances may sweep at once.
 */
@Injectable()
export class CallsHousekeeping implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private running = false;
  /** The one-time entry of open calls stored without an entry in the register. */
  private registered?: Promise<void>;
  private attendance: SocketAttendance = () => Promise.resolve(false);

  constructor(
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly ending: CallEndingService,
    private readonly leaving: CallLeaveService,
    private readonly passwordAttempts: CallPasswordAttempts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(CALLS_HOUSEKEEPING_INTERVAL) private readonly intervalMs: number = DEFAULT_INTERVAL_MS,
  ) {
    this.log = logger.child({ context: 'CallsHousekeeping' });
  }

  /** The realtime module supplies the check on sockets (it holds the Socket.IO server and the absences). */
  useSocketAttendance(check: SocketAttendance): void {
    this.attendance = check;
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
    const { idle, expired } = await this.staleCalls(now);
    return { idle: idle.length, expired: expired.length };
  }

  async sweep(now = new Date()): Promise<SweepResult> {
    const { idle, expired, occupied } = await this.staleCalls(now);
    const result = {
      // First: the last quiet participant's leave ends the call (`all-left`) in this sweep.
      quiet: await this.leaveQuiet(occupied, this.idleCutoff(now)),
      idle: await this.endEach(idle, 'idle', now, true),
      expired: await this.endEach(expired, 'expired', now, false),
    };
    await this.passwordAttempts.purgeExpired(now);
    return result;
  }

  /**
   * Active calls with nobody joined since before `now - CALL_IDLE_TIMEOUT`, and scheduled calls
   * whose time is SCHEDULED_GRACE_SECONDS past, read from the open-call register. The first call
   * of the process enters open calls stored without an entry (once; a failed attempt is retried).
   */
  private async staleCalls(now: Date): Promise<StaleCalls> {
    this.registered ??= this.calls.registerOpenCalls(now).then(
      (added) => {
        if (added > 0) this.log.info({ added }, 'open calls entered in the open-call register');
      },
      (error: unknown) => {
        this.registered = undefined;
        throw error;
      },
    );
    await this.registered;
    return this.calls.staleCalls(this.idleCutoff(now), new Date(now.getTime() - SCHEDULED_GRACE_SECONDS * 1000));
  }

  private idleCutoff(now: Date): Date {
    const idleSeconds = this.config.calls?.idleTimeoutSeconds ?? 600;
    return new Date(now.getTime() - idleSeconds * 1000);
  }

  /**
   * Marks left the joined participants of `callIds` quiet since before `cutoff` whom the socket
   * side does not look after (REST-only clients that went away), by the ordinary leave made
   * conditional on still being quiet: a sign of life after the read keeps them. Returns how many.
   */
  private async leaveQuiet(callIds: string[], cutoff: Date): Promise<number> {
    let left = 0;
    for (let i = 0; i < callIds.length; i += QUIET_BATCH) {
      const quiet = await this.participants.quietParticipants(callIds.slice(i, i + QUIET_BATCH), cutoff);
      for (const participant of quiet) {
        const userId = participant.userId.toHexString();
        // An instance that does not answer in time: the participant stays until the next sweep.
        if (await this.attendance(participant.callId, userId).catch(() => true)) continue;
        try {
          await this.leaving.leave(participant.callId, userId, cutoff);
          left += 1;
        } catch (error) {
          // Left, active again or the call ended meanwhile (another instance's sweep, a request).
          if (!(error instanceof AppException)) throw error;
        }
      }
    }
    return left;
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
      if (result.idle + result.expired + result.quiet > 0)
        this.log.info(result, 'calls and participants closed by housekeeping');
    } catch (error) {
      this.log.warn({ error: (error as Error).name }, 'call housekeeping failed; retrying at the next interval');
    } finally {
      this.running = false;
    }
  }
}
